"""HOTP (RFC 4226) and TOTP (RFC 6238), input normalisation and the key URI.

The hot path takes raw key bytes so a verification never decodes Base32 more than once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
_DIGITS_ONLY = re.compile(r"[0-9]+")
_SPACES = re.compile(r"[\s\u200b\u2060\ufeff-]+")


def hotp(key: bytes, counter: int, digits: int = 6, algorithm: str = "SHA1") -> str:
    """RFC 4226 §5.3: HMAC, dynamic truncation, modulo 10^digits."""
    mac = hmac.new(key, counter.to_bytes(8, "big"), DIGESTS[algorithm]).digest()
    offset = mac[-1] & 0x0F
    binary = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(binary % (10**digits)).zfill(digits)


def time_step(unix_time: float, period: int = 30) -> int:
    """RFC 6238 §4.2: T = floor((now - T0) / X); Python ints have no 2038 limit (R9)."""
    return int(unix_time // period)


def totp(key: bytes, unix_time: float, digits: int = 6, period: int = 30, algorithm: str = "SHA1") -> str:
    return hotp(key, time_step(unix_time, period), digits, algorithm)


def normalize_code(raw: str | None, digits: int) -> str | None:
    """R11: canonicalise before any check. NFKC folds full-width digits; spaces and dashes
    typed by people are dropped; anything that is then not exactly `digits` ASCII digits
    is refused (None)."""
    if raw is None or len(raw) > 64:
        return None
    text = _SPACES.sub("", unicodedata.normalize("NFKC", raw))
    if len(text) != digits or not _DIGITS_ONLY.fullmatch(text):
        return None
    return text


@dataclass(frozen=True)
class StepMatch:
    step: int


def match_totp(
    key: bytes,
    code: str,
    now: float,
    *,
    digits: int = 6,
    period: int = 30,
    algorithm: str = "SHA1",
    window: int = 1,
) -> StepMatch | None:
    """Find the step in [now-window, now+window] whose code equals `code`.

    Every candidate is compared in constant time (R12) and all are computed, so the time
    taken does not say which step matched. The caller enforces single use (R1, R2)."""
    current = time_step(now, period)
    found: int | None = None
    encoded = code.encode()
    for step in range(current - window, current + window + 1):
        if step < 0:
            continue
        candidate = hotp(key, step, digits, algorithm).encode()
        if hmac.compare_digest(candidate, encoded) and found is None:
            found = step
    return StepMatch(found) if found is not None else None


def b32encode(key: bytes) -> str:
    """Base32 without padding, as the key URI format asks."""
    return base64.b32encode(key).decode().rstrip("=")


def b32decode(text: str) -> bytes:
    clean = text.strip().replace(" ", "").upper()
    return base64.b32decode(clean + "=" * (-len(clean) % 8))


def _label_part(text: str) -> str:
    # Key URI format: neither the issuer nor the account name may contain a colon.
    return quote(text.replace(":", " ").strip(), safe="")


def key_uri(
    secret_b32: str,
    account: str,
    issuer: str,
    *,
    digits: int = 6,
    period: int = 30,
    algorithm: str = "SHA1",
) -> str:
    """otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=…&digits=…&period=…"""
    label = f"{_label_part(issuer)}:{_label_part(account)}"
    return (
        f"otpauth://totp/{label}?secret={secret_b32}&issuer={_label_part(issuer)}"
        f"&algorithm={algorithm}&digits={digits}&period={period}"
    )
