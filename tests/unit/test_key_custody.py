"""Keys over time, without I/O beyond a temporary file: which signing key signs and which are
published at each moment (R62), the schedule a rotation makes, and a keyring re-read while a
process runs (R7)."""
from __future__ import annotations

import json
import os
import stat
import time
from types import SimpleNamespace

import jwt
import pytest

from twofold.config import Settings
from twofold.crypto import signing
from twofold.crypto.sealing import SealingError, key_id_of, load_or_create_keyring, read_keyring, write_keyring
from twofold.domain.clock import FixedClock
from twofold.services.signing_keys import SKEW_ALLOWANCE_SECONDS, active_kid, retention_ms, schedule

T0 = int(time.time()) * 1000  # ms: now, so PyJWT's own clock accepts the tokens' iat
HOUR = 3_600_000


def _key(kid: str, activates_at: int, leaves_at: int | None) -> signing.SigningKey:
    pem = signing.generate_private_pem()
    return signing.load_signing_key(kid, pem, signing.public_jwk(kid, pem), activates_at, leaves_at)


def _claims(clock: FixedClock) -> dict:
    now = int(time.time())  # PyJWT checks iat and exp against the system clock
    return {"iss": "https://t/", "sub": "s", "iat": now, "exp": now + 60}


def test_the_newest_due_key_signs_and_every_key_not_gone_is_published_and_verifies():
    clock = FixedClock(T0 / 1000)
    old, new = _key("old", T0 - HOUR, T0 + 2 * HOUR), _key("new", T0 + HOUR, None)
    signer = signing.Signer([new, old], clock)
    assert signer.active().kid == "old"  # the next key is published before it signs
    assert [k["kid"] for k in signer.jwks["keys"]] == ["new", "old"]
    before = signer.sign(_claims(clock))

    clock.advance(HOUR / 1000)
    assert signer.active().kid == "new"
    after = signer.sign(_claims(clock))
    assert jwt.get_unverified_header(after)["kid"] == "new"
    for token in (before, after):
        signer.verify(token, audience=None, issuer="https://t/", typ="JWT")

    clock.advance(HOUR / 1000)  # the old key's last moment passes
    assert [k["kid"] for k in signer.jwks["keys"]] == ["new"]
    with pytest.raises(jwt.InvalidTokenError, match="unknown key id"):
        signer.verify(before, audience=None, issuer="https://t/", typ="JWT")


def test_a_key_leaves_when_its_successor_has_signed_for_the_longest_token_lifetime():
    settings = Settings(access_token_ttl=86_400, id_token_ttl=36_000, okta_access_token_ttl=3_600)
    rows = [SimpleNamespace(kid="b", created_at=T0, activates_at=T0 + 24 * HOUR),
            SimpleNamespace(kid="a", created_at=T0 - 99 * HOUR, activates_at=T0 - 99 * HOUR)]
    a, b = schedule(rows, settings)
    assert (a.kid, b.kid) == ("a", "b")
    assert retention_ms(settings) == (86_400 + SKEW_ALLOWANCE_SECONDS) * 1000
    assert a.leaves_at == b.activates_at + retention_ms(settings) and b.leaves_at is None
    assert [t.state(T0, active_kid([a, b], T0)) for t in (a, b)] == ["active", "next"]
    later = T0 + 25 * HOUR
    assert [t.state(later, active_kid([a, b], later)) for t in (a, b)] == ["retiring", "active"]
    gone = a.leaves_at
    assert a.state(gone, active_kid([a, b], gone)) == "left"
    # A longer configured lifetime keeps old keys longer.
    assert retention_ms(Settings(id_token_ttl=7 * 86_400)) == (7 * 86_400 + SKEW_ALLOWANCE_SECONDS) * 1000


def test_a_running_sealer_follows_the_keyring_file(tmp_path):
    path = tmp_path / "master.key"
    sealer = load_or_create_keyring(path, create=True)
    other = load_or_create_keyring(path, create=False)  # a second process on the same file
    old = sealer.active
    before = sealer.seal(b"seed", "factor:A")
    derived_before = sealer.derive_key("sent-code")

    keys, _ = read_keyring(path)
    keys["knewkey1"] = os.urandom(32)
    write_keyring(path, keys, "knewkey1")  # what `twofold keys rotate-master` does
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text())["active"] == "knewkey1"
    resealed = sealer.seal(b"seed", "factor:A")
    assert key_id_of(resealed) == "knewkey1" and key_id_of(before) == old
    # The other process opens the new blob (it re-reads the file on meeting an unknown key)
    # and still checks a value derived before the rotation.
    assert other.open(resealed, "factor:A") == b"seed" and other.open(before, "factor:A") == b"seed"
    assert other.derived_keys("sent-code")[1] == derived_before != other.derive_key("sent-code")

    write_keyring(path, {"knewkey1": keys["knewkey1"]}, "knewkey1")  # the old key removed
    assert other.open(resealed, "factor:A") == b"seed"
    sealer.refresh()
    with pytest.raises(SealingError, match=f"sealing key {old} is not in the keyring"):
        sealer.open(before, "factor:A")
    with pytest.raises(SealingError):
        write_keyring(path, {"knewkey1": keys["knewkey1"]}, "kmissing")


def test_every_sealed_column_is_re_sealed_by_a_master_key_rotation():
    """R7: a column holding sealed blobs that the rotation does not know would keep the old key
    needed forever (and `remove-master` would not see it)."""
    from twofold.services.master_keys import CONTEXTS
    from twofold.store.sealed import SEALED_COLUMNS
    from twofold.store.tables import metadata

    declared = {f"{t.name}.{c.name}" for t in metadata.tables.values() for c in t.columns if c.name.endswith("_sealed")}
    assert declared == {c.name for c in SEALED_COLUMNS} == set(CONTEXTS)
    assert all(f"{c.table.name}.{c.blob.name}" == c.name for c in SEALED_COLUMNS)
