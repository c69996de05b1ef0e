"""Helpers for the API tests: reading JWTs, checking them against the server's JWKS, and
crafting hostile tokens by hand (PyJWT refuses to build some of them on purpose)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm

NO_STORE = ("no-store", "no-cache")


def no_store(r) -> bool:
    """RFC 6749 §5.1 headers (R51)."""
    return (r.headers.get("cache-control"), r.headers.get("pragma")) == NO_STORE


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(obj) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def header_of(token: str) -> dict:
    return jwt.get_unverified_header(token)


def claims_of(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]))


def jwks(api) -> dict:
    r = api.http.get("/.well-known/jwks.json")
    assert r.status_code == 200, r.text
    return r.json()


def public_key_for(api, token: str):
    kid = header_of(token)["kid"]
    keys = {k["kid"]: k for k in jwks(api)["keys"]}
    assert kid in keys, f"kid {kid} not in the JWKS"
    return RSAAlgorithm.from_jwk(json.dumps(keys[kid]))


def verify(api, token: str, *, audience: str | None = None) -> dict:
    """Signature (RS256 only), issuer, expiry and, if given, audience, with PyJWT."""
    return jwt.decode(
        token, public_key_for(api, token), algorithms=["RS256"], issuer=api.issuer, audience=audience,
        options={"verify_aud": audience is not None, "require": ["exp", "iat", "iss", "sub"]},
    )


def hs256_token(header: dict, claims: dict, secret: bytes) -> str:
    signing_input = f"{b64url_json(header)}.{b64url_json(claims)}"
    sig = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(sig)}"


def unsigned_token(header: dict, claims: dict) -> str:
    return f"{b64url_json(header)}.{b64url_json(claims)}."


def public_pem(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
