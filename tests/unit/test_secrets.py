"""Sealing (R7), recovery codes (R14, R15, R18), random identifiers (R6, R44, R54)."""
from __future__ import annotations

import json
import math
import os
import stat

import pytest

from twofold.crypto.sealing import Sealer, SealingError, load_or_create_keyring
from twofold.domain import ids, recovery


def test_seal_round_trip_and_binding_to_its_row(tmp_path):
    sealer = load_or_create_keyring(tmp_path / "master.key", create=True)
    blob = sealer.seal(b"seed-bytes", "factor:A")
    assert b"seed-bytes" not in blob
    assert sealer.open(blob, "factor:A") == b"seed-bytes"
    with pytest.raises(SealingError):
        sealer.open(blob, "factor:B")  # copied onto another row: refused
    with pytest.raises(SealingError):
        sealer.open(blob[:-1] + bytes([blob[-1] ^ 1]), "factor:A")  # tampered


def test_keyring_file_is_private_and_stable(tmp_path):
    path = tmp_path / "master.key"
    first = load_or_create_keyring(path, create=True)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = load_or_create_keyring(path, create=True)
    assert again.open(first.seal(b"x", "c"), "c") == b"x"


def test_missing_keyring_is_an_error_not_a_new_key(tmp_path):
    with pytest.raises(SealingError, match="missing"):
        load_or_create_keyring(tmp_path / "nope.key", create=False)


def test_rotation_opens_old_blobs_and_seals_with_the_new_key():
    old = Sealer({"kaaaaaaa": b"a" * 32}, "kaaaaaaa")
    blob = old.seal(b"s", "c")
    rotated = Sealer({"kaaaaaaa": b"a" * 32, "kbbbbbbb": b"b" * 32}, "kbbbbbbb")
    assert rotated.open(blob, "c") == b"s"
    assert rotated.seal(b"s", "c")[1:9] == b"kbbbbbbb"


def test_recovery_codes_carry_at_least_64_bits_and_are_unique():
    assert recovery.LENGTH * math.log2(len(recovery.ALPHABET)) >= 64
    codes = {recovery.generate() for _ in range(2000)}
    assert len(codes) == 2000


def test_recovery_code_normalisation():
    code = recovery.generate()
    spaced = " ".join(code[i:i + 4] for i in range(0, 24, 4)).lower()
    assert recovery.normalize(spaced) == code
    assert recovery.normalize(code[:-1]) is None
    assert recovery.normalize(code + "!") is None


def test_recovery_hash_is_scoped_to_its_user():
    code = recovery.generate()
    assert recovery.code_hash("00uA", code) != recovery.code_hash("00uB", code)
    assert code.encode() not in recovery.code_hash("00uA", code)


def test_identifiers_have_the_promised_shapes_and_entropy():
    assert len(ids.okta_id("00u")) == 20 and ids.okta_id("00u").startswith("00u")
    assert ids.device_id().startswith("dev_") and len(ids.device_id()) == 20
    tokens = {ids.opaque_token(32) for _ in range(1000)}
    assert len(tokens) == 1000 and all(len(t) >= 43 for t in tokens)  # 256 bits


def test_keyring_rejects_malformed_keys(tmp_path):
    path = tmp_path / "bad.key"
    path.write_text(json.dumps({"active": "short", "keys": {"short": "AAAA"}}))
    with pytest.raises(SealingError):
        load_or_create_keyring(path, create=False)
