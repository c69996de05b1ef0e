"""Recovery codes (look-up secrets): 24 Crockford Base32 characters = 120 bits (R14)."""
from __future__ import annotations

import hashlib
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 24
_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(raw: str | None) -> str | None:
    """R11: fold case, width and look-alike letters; drop spaces and dashes; refuse the rest."""
    if raw is None or len(raw) > 128:
        return None
    text = unicodedata.normalize("NFKC", raw).upper()
    text = "".join(ch for ch in text if not ch.isspace() and ch != "-").translate(_FOLD)
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return None
    return text


def code_hash(user_id: str, code: str) -> bytes:
    """Hashed at rest (R15) and scoped to its user (R18): the hash covers the user id."""
    return hashlib.sha256(f"recovery-code:{user_id}:{code}".encode()).digest()
