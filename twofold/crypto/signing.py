"""RS256 signing keys, the public JWKS, and JWT issue/verify with an algorithm allowlist.

Keys are parsed once at start-up; requests never parse PEM (hot path)."""
from __future__ import annotations

import json
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ALGORITHM = "RS256"  # RFC 8725 §3.1: one algorithm per key; the only one we accept (R63)
ACCESS_TOKEN_TYP = "at+jwt"  # RFC 9068: explicit typing keeps ID tokens out of bearer use (R67)


@dataclass
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict


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


def load_signing_key(kid: str, private_pem: bytes, jwk: dict) -> SigningKey:
    key = serialization.load_pem_private_key(private_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return SigningKey(kid, key, jwk)


class Signer:
    """Signs with the newest key; verifies with any published key."""

    def __init__(self, keys: list[SigningKey]) -> None:
        if not keys:
            raise ValueError("no signing key")
        self.active = keys[0]
        self._public = {
            k.kid: RSAAlgorithm.from_jwk(json.dumps(k.public_jwk)) for k in keys
        }
        self.jwks = {"keys": [k.public_jwk for k in keys]}

    def sign(self, claims: dict, typ: str = "JWT") -> str:
        return jwt.encode(
            claims, self.active.private_key, algorithm=ALGORITHM,
            headers={"kid": self.active.kid, "typ": typ},
        )

    def verify(self, token: str, *, audience: str | None, issuer: str, typ: str, leeway: int = 0) -> dict:
        """Raises jwt.InvalidTokenError for anything not signed by us with RS256, of another
        type, audience or issuer, or expired (R63–R67). Headers such as jku/jwk/x5u are never
        used to find a key (R65)."""
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM or header.get("typ") != typ:
            raise jwt.InvalidTokenError("unexpected token type or algorithm")
        key = self._public.get(header.get("kid"))
        if key is None:
            raise jwt.InvalidTokenError("unknown key id")
        return jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=audience, issuer=issuer, leeway=leeway,
            options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": audience is not None},
        )
