"""Identifiers and random secrets (CSPRNG only: R6, R54, R70)."""
from __future__ import annotations

import hashlib
import secrets

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def random_base62(length: int) -> str:
    return "".join(secrets.choice(_BASE62) for _ in range(length))


def okta_id(prefix: str) -> str:
    """20-character Okta-style id: `00u…` users, `ostf…` TOTP factors, …"""
    return prefix + random_base62(20 - len(prefix))


def device_id() -> str:
    """Auth0 authenticator ids are `<kind>|dev_<16 alphanumerics>`."""
    return "dev_" + random_base62(16)


def opaque_token(nbytes: int = 32) -> str:
    """URL-safe opaque handle with nbytes*8 bits of entropy (R44: ≥ 128)."""
    return secrets.token_urlsafe(nbytes)


def client_id() -> str:
    return random_base62(32)


def client_secret() -> str:
    return secrets.token_urlsafe(48)


def api_token() -> str:
    # Okta API tokens start with "00" and are 42 characters long.
    return "00" + random_base62(40)


def token_hash(token: str) -> bytes:
    """Tokens, secrets and codes here carry ≥ 112 bits, so an unsalted SHA-256 is the
    NIST 800-63B §3.1.2.2 hashed form; it also lets the database look them up directly."""
    return hashlib.sha256(token.encode()).digest()
