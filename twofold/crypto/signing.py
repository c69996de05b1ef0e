"""RS256 signing keys, the public JWKS, and JWT issue/verify with an algorithm allowlist.

Keys are parsed once at start-up; requests never parse PEM (hot path)."""
from __future__ import annotations

import json
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from ..domain.clock import Clock

ALGORITHM = "RS256"  # RFC 8725 §3.1: one algorithm per key; the only one we accept (R63)
ACCESS_TOKEN_TYP = "at+jwt"  # RFC 9068: explicit typing keeps ID tokens out of bearer use (R67)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict
    activates_at: int = 0  # epoch ms: signs from then on (published before: the "next" key)
    leaves_at: int | None = None  # epoch ms: no longer published nor accepted (None: stays)

    def published(self, now_ms: int) -> bool:
        return self.leaves_at is None or now_ms < self.leaves_at


def generate_private_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_jwk(kid: str, private_pem: bytes) -> dict:
    key = serialization.load_pem_private_key(private_pem, password=None)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    # Only public members (R61, R62).
    return {"kty": "RSA", "use": "sig", "alg": ALGORITHM, "kid": kid, "n": jwk["n"], "e": jwk["e"]}


def load_signing_key(kid: str, private_pem: bytes, jwk: dict, activates_at: int = 0,
                     leaves_at: int | None = None) -> SigningKey:
    key = serialization.load_pem_private_key(private_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return SigningKey(kid, key, jwk, activates_at, leaves_at)


class Signer:
    """Signs with the newest key whose time has come; publishes and verifies with every key
    that has not left. Which key that is follows from the clock, so every process holding the
    same keys agrees without being told when a rotation takes effect."""

    def __init__(self, keys: list[SigningKey], clock: Clock | None = None) -> None:
        if not keys:
            raise ValueError("no signing key")
        self.keys = sorted(keys, key=lambda k: k.activates_at, reverse=True)  # newest first
        self.clock = clock or Clock()
        self._public = {k.kid: RSAAlgorithm.from_jwk(json.dumps(k.public_jwk)) for k in keys}

    def active(self, now_ms: int | None = None) -> SigningKey:
        now_ms = self.clock.now_ms() if now_ms is None else now_ms
        for k in self.keys:
            if k.activates_at <= now_ms:
                return k
        return self.keys[-1]  # none due yet (clocks apart): the oldest

    def published(self, now_ms: int | None = None) -> list[SigningKey]:
        now_ms = self.clock.now_ms() if now_ms is None else now_ms
        return [k for k in self.keys if k.published(now_ms)]

    @property
    def jwks(self) -> dict:
        return {"keys": [k.public_jwk for k in self.published()]}

    def sign(self, claims: dict, typ: str = "JWT") -> str:
        key = self.active()
        return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": typ})

    def verify(self, token: str, *, audience: str | None, issuer: str, typ: str, leeway: int = 0) -> dict:
        """Raises jwt.InvalidTokenError for anything not signed by us with RS256, of another
        type, audience or issuer, or expired (R63–R67). Headers such as jku/jwk/x5u are never
        used to find a key (R65)."""
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM or header.get("typ") != typ:
            raise jwt.InvalidTokenError("unexpected token type or algorithm")
        kid = header.get("kid")
        key = self._public.get(kid)
        if key is None or not any(k.kid == kid for k in self.published()):
            raise jwt.InvalidTokenError("unknown key id")
        return jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=audience, issuer=issuer, leeway=leeway,
            options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": audience is not None},
        )
