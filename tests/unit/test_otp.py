"""RFC 4226 / RFC 6238 known answers (R8, R9), input canonicalisation (R11), constant-time
comparison (R12) and the key URI format."""
from __future__ import annotations

import subprocess
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest

from twofold.domain import otp

RFC4226_KEY = b"12345678901234567890"
RFC4226 = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]

SEEDS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
RFC6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),  # beyond 2038 (R9)
]


@pytest.mark.parametrize("counter,expected", list(enumerate(RFC4226)))
def test_rfc4226_appendix_d(counter, expected):
    assert otp.hotp(RFC4226_KEY, counter) == expected


@pytest.mark.parametrize("t,sha1,sha256,sha512", RFC6238)
def test_rfc6238_appendix_b_all_algorithms(t, sha1, sha256, sha512):
    for alg, expected in (("SHA1", sha1), ("SHA256", sha256), ("SHA512", sha512)):
        assert otp.totp(SEEDS[alg], t, digits=8, algorithm=alg) == expected


def test_wrong_seed_trap_is_not_what_we_compute():
    # R8: SHA-512 fed the 20-byte seed gives 69342147 at t=59; the right seed gives 90693936.
    assert otp.totp(SEEDS["SHA1"], 59, digits=8, algorithm="SHA512") == "69342147"
    assert otp.totp(SEEDS["SHA512"], 59, digits=8, algorithm="SHA512") == "90693936"


def test_agrees_with_oathtool_and_pyotp():
    secret = otp.b32encode(b"\x8a" * 20)
    for t in (0, 59, 1_700_000_000, 20_000_000_000):
        ours = otp.totp(otp.b32decode(secret), t)
        theirs = subprocess.check_output(["oathtool", "--totp", "-b", f"--now=@{t}", secret], text=True).strip()
        assert ours == theirs == pyotp.TOTP(secret).at(t)


@pytest.mark.parametrize("raw", ["123456", " 123456", "123 456", "123456\n", "１２３４５６", "123-456"])
def test_normalisation_folds_harmless_variants(raw):
    assert otp.normalize_code(raw, 6) == "123456"


@pytest.mark.parametrize("raw", ["1234567", "12345", "12345a", "", None, "١٢٣٤٥٦", "12345６7", "x" * 100])
def test_normalisation_refuses_everything_else(raw):
    assert otp.normalize_code(raw, 6) is None


def test_window_accepts_adjacent_steps_only():
    key = b"k" * 20
    now = 1_700_000_015.0
    step = otp.time_step(now)
    for delta in (-1, 0, 1):
        code = otp.hotp(key, step + delta)
        assert otp.match_totp(key, code, now, window=1).step == step + delta
    for delta in (-2, 2):
        assert otp.match_totp(key, otp.hotp(key, step + delta), now, window=1) is None


def test_every_candidate_is_compared_in_constant_time(monkeypatch):
    calls = []
    real = otp.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(otp.hmac, "compare_digest", spy)
    key = b"k" * 20
    otp.match_totp(key, otp.hotp(key, otp.time_step(1000.0)), 1000.0, window=1)
    assert len(calls) == 3  # all three steps, even though the middle one matched


def test_key_uri_escapes_issuer_and_label():
    uri = otp.key_uri("JBSWY3DPEHPK3PXP", "alice smith@example.com", "ACME: Co")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    label = parsed.path.lstrip("/")
    issuer, account = label.split(":")
    assert unquote(issuer) == "ACME  Co" and unquote(account) == "alice smith@example.com"
    q = parse_qs(parsed.query)
    assert q == {"secret": ["JBSWY3DPEHPK3PXP"], "issuer": ["ACME  Co"], "algorithm": ["SHA1"],
                 "digits": ["6"], "period": ["30"]}
    assert " " not in uri and "@" not in uri
