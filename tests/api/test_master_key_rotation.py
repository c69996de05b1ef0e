"""Master key rotation while the server runs (R7): `twofold keys rotate-master` re-seals every
sealed secret (TOTP seeds, the signing key) under a new key a batch per transaction; killed
mid-way (SIGKILL) it leaves each row sealed under one key or the other, every factor still
verifies, and a rerun finishes from where the data says it is. The old key leaves the file
only when nothing is sealed under it, and a server whose key file lacks a key the database
needs refuses to start, saying which."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys

import pytest

from ..conftest import free_port
from ..support import latest_code, new_phone
from .conftest import RELAXED_SENDING
from .custody import FileClock, cli, enroll_totp, sealed_key_ids, verify_totp

FACTORS = 6
BATCH = 2


def _serve_refused(env: dict, key_file) -> subprocess.CompletedProcess:
    """`twofold serve` with this key file: it must stop before listening."""
    r = subprocess.run([sys.executable, "-m", "twofold", "serve", "--port", str(free_port())],
                       env={**env, "TWOFOLD_MASTER_KEY_FILE": str(key_file)}, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    return r


def _all_verify(api, factors, clock, offset):
    clock.set(offset)  # a step no code of these factors was used at (R1)
    for f in factors:
        r = verify_totp(api, f, clock)
        assert r.status_code == 200 and r.json() == {"factorResult": "SUCCESS"}, r.text


@pytest.fixture
def rotating(backend, make_server, tmp_path):
    clock = FileClock(tmp_path / "clock")
    srv = make_server(backend, extra_env={**clock.env, **RELAXED_SENDING})
    yield srv, clock
    srv.stop()


def test_rotation_killed_mid_way_then_rerun_keeps_every_factor_working(rotating, tmp_path):
    """R7: the new key seals everything in the end, no factor stops working at any point, and
    the old key goes only when nothing needs it; R69: a key file lacking a needed key stops
    the start."""
    srv, clock = rotating
    api = srv.api()
    key_file = srv.data_dir / "master.key"
    before = json.loads(key_file.read_text())
    (old,) = before["keys"]
    factors = [enroll_totp(api, clock) for _ in range(FACTORS)]
    # A code sent before the rotation, answered after it: hashed under a key derived from the old master key.
    sms_user, phone = api.create_user(), new_phone()
    r = api.http.post(f"/api/v1/users/{sms_user['id']}/factors?activate=true", headers=api.ssws,
                      json={"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": phone}})
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
    verify_sms = r.json()["_links"]["verify"]["href"]
    assert api.http.post(verify_sms, headers=api.ssws, json={}).json()["factorResult"] == "CHALLENGE"
    sent = latest_code(srv, phone)
    assert sealed_key_ids(srv) == {old: FACTORS + 1}  # the factors' seeds and the signing key

    # A batch per transaction, a pause after each: killed in the pause after the second batch.
    proc = subprocess.Popen([sys.executable, "-m", "twofold", "keys", "rotate-master", "--batch-size", str(BATCH),
                             "--pause", "1"], env=srv.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    progress = []
    try:
        while len(progress) < 2:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            if "re-sealed under" in line:
                progress.append(line)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    new = json.loads(key_file.read_text())["active"]
    assert new != old and progress[-1].startswith(f"factors.secret_sealed: {2 * BATCH} re-sealed under {new}")
    half = sealed_key_ids(srv)
    assert half[old] > 0 and half[new] > 0 and sum(half.values()) == FACTORS + 1, half

    # Half done: every factor verifies on the running server (which re-reads the file), the old
    # key cannot be removed, and a key file without it stops a server from starting.
    _all_verify(api, factors, clock, 90)
    r = api.http.post(verify_sms, headers=api.ssws, json={"passCode": sent})
    assert r.status_code == 200 and r.json()["factorResult"] == "SUCCESS", r.text
    refused = cli(srv.env, "keys", "remove-master")
    assert refused.returncode == 1 and f"{half[old]} under {old}" in refused.stderr
    assert set(json.loads(key_file.read_text())["keys"]) == {old, new}
    new_only = tmp_path / "new-only.key"
    full = json.loads(key_file.read_text())
    new_only.write_text(json.dumps({"active": new, "keys": {new: full["keys"][new]}}))
    stopped = _serve_refused(srv.env, new_only)
    assert f"lacks key(s) {old}" in stopped.stderr and f"{half[old]} under {old}" in stopped.stderr

    rerun = cli(srv.env, "keys", "rotate-master", "--batch-size", str(BATCH))
    assert rerun.returncode == 0, rerun.stderr
    assert f"every sealed secret is under master key {new} ({half[old]} re-sealed by this run)" in rerun.stdout
    assert sealed_key_ids(srv) == {new: FACTORS + 1}
    _all_verify(api, factors, clock, 180)

    removed = cli(srv.env, "keys", "remove-master")
    assert removed.returncode == 0, removed.stderr
    assert list(json.loads(key_file.read_text())["keys"]) == [new]
    listed = cli(srv.env, "keys", "list")
    assert listed.returncode == 0 and old not in listed.stdout, listed.stderr
    assert re.search(rf"{new}\s+active\s+{FACTORS + 1} sealed secret", listed.stdout), listed.stdout
    # The old key file (a stale copy, say) no longer starts a server on this database.
    stale = tmp_path / "stale.key"
    stale.write_text(json.dumps(before))
    assert f"lacks key(s) {new}" in _serve_refused(srv.env, stale).stderr

    srv.stop()  # a new start opens the signing key and the seeds under the new key alone
    srv.start()
    _all_verify(api, factors, clock, 270)
