"""Crash drill: a server process (two workers) under concurrent enrollments, verifications and
recovery-code redemptions is killed with SIGKILL, process group and all, in the middle of the
load, then started again on the same database. Whatever got a success answer before the kill
holds after it: every factor confirmed is still there and verifies, and every TOTP step,
recovery code and mfa_token spent stays spent (R1, R2, R13, R17; R70: a success is answered
only after its transaction commits). Requests cut off by the kill may have gone either way;
they are not judged. SQLite and PostgreSQL."""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest

from ..conftest import Server, _database_url
from ..support import MFA_OTP, MFA_RECOVERY, oathtool_totp, okta_error

TOTP = "token:software:totp"
# ±3 steps: every code of the drill (steps start-1 … start+3) stays inside the window for at
# least a minute after its start, so a refusal after the restart means spent, not late.
SETTINGS = {"TWOFOLD_TOTP_WINDOW": "3", "TWOFOLD_ARGON2_MEMORY_KIB": "1024", "TWOFOLD_ARGON2_TIME_COST": "1"}
ENROLLING, VERIFYING, SIGNING_IN, RECOVERING = 40, 12, 10, 10  # users per kind of work
STEPS = 3  # each verifying user verifies steps start … start+2 in turn (R2: in order)
SUCCESSES_BEFORE_KILL = 3  # of each kind: the load is well under way, and far from done


def _code(secret: str, step: int) -> str:
    return oathtool_totp(secret, step * 30)


@dataclass
class Ledger:
    """What the server answered before the kill; `cut` counts requests the kill cut off."""
    enrolled: list = field(default_factory=list)  # (user id, factor id, secret)
    verified: list = field(default_factory=list)  # (user id, factor id, secret, step)
    signed_in: list = field(default_factory=list)  # (user, secret, spent mfa_token)
    recovered: list = field(default_factory=list)  # (user, spent code, spent mfa_token, new code)
    cut: int = 0
    wrong: list = field(default_factory=list)  # answers no request should get, crash or not
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, entry) -> None:
        with self.lock:
            getattr(self, kind).append(entry)

    def counts(self) -> list[int]:
        with self.lock:
            return [len(self.enrolled), len(self.verified), len(self.signed_in), len(self.recovered)]


def _factors(user_id: str) -> str:
    return f"/api/v1/users/{user_id}/factors"


def _okta_totp(http: httpx.Client, ssws: dict, user_id: str, step: int) -> tuple[str, str]:
    """Enroll and activate an authenticator app (Okta Factors API); returns (factor id, secret)."""
    r = http.post(_factors(user_id), headers=ssws, json={"factorType": TOTP, "provider": "GOOGLE"})
    assert r.status_code == 200, r.text
    f = r.json()
    secret = f["_embedded"]["activation"]["sharedSecret"]
    r = http.post(f"{_factors(user_id)}/{f['id']}/lifecycle/activate", headers=ssws, json={"passCode": _code(secret, step)})
    assert r.status_code == 200, r.text
    return f["id"], secret


def _prepare(api, client: dict, start: int) -> dict:
    """The users of each kind of work, enrolled beforehand where the work needs it (step start-1
    confirms them), with an mfa_token each where the work spends one."""

    def verifying(_):
        user = api.create_user()
        factor, secret = _okta_totp(api.http, api.ssws, user["id"], start - 1)
        return user["id"], factor, secret

    def signing_in(_):
        user = api.create_user()
        _factor, secret = _okta_totp(api.http, api.ssws, user["id"], start - 1)
        return user, secret, api.mfa_token(client, user)

    def recovering(_):
        user = api.create_user()
        mt = api.mfa_token(client, user)
        assoc = api.associate(mt).json()
        assert api.mfa_otp(client, mt, _code(assoc["secret"], start - 1)).status_code == 200
        return user, assoc["recovery_codes"][0], api.mfa_token(client, user)

    with ThreadPoolExecutor(4) as pool:
        return {"enrolling": list(pool.map(lambda _: api.create_user()["id"], range(ENROLLING))),
                "verifying": list(pool.map(verifying, range(VERIFYING))),
                "signing_in": list(pool.map(signing_in, range(SIGNING_IN))),
                "recovering": list(pool.map(recovering, range(RECOVERING)))}


def _load(server: Server, client: dict, work: dict, start: int, ledger: Ledger, killed: threading.Event) -> list:
    """One thread per share of each kind of work, each stopping at its first failed request
    once the server is gone; the threads, for the caller to join."""
    ssws = server.api().ssws

    def worker(items: list, do: Callable) -> Callable:
        def run():
            with httpx.Client(base_url=server.base_url, timeout=30) as http:
                for item in items:
                    if killed.is_set():
                        return
                    try:
                        do(http, item)
                    except httpx.TransportError:
                        with ledger.lock:
                            ledger.cut += 1
                        return
                    except AssertionError as exc:
                        ledger.add("wrong", str(exc))
                        return
        return run

    def enroll(http, user_id):
        r = http.post(_factors(user_id), headers=ssws, json={"factorType": TOTP, "provider": "GOOGLE"})
        assert r.status_code == 200, r.text
        f = r.json()
        secret = f["_embedded"]["activation"]["sharedSecret"]
        r = http.post(f"{_factors(user_id)}/{f['id']}/lifecycle/activate", headers=ssws,
                      json={"passCode": _code(secret, start - 1)})
        assert r.status_code == 200, r.text
        ledger.add("enrolled", (user_id, f["id"], secret))

    def verify(http, item):
        (user_id, factor_id, secret), step = item
        r = http.post(f"{_factors(user_id)}/{factor_id}/verify", headers=ssws, json={"passCode": _code(secret, step)})
        assert r.status_code == 200 and r.json() == {"factorResult": "SUCCESS"}, r.text
        ledger.add("verified", (user_id, factor_id, secret, step))

    def sign_in(http, item):
        user, secret, mt = item
        body = {"grant_type": MFA_OTP, "client_id": client["client_id"], "client_secret": client["client_secret"],
                "mfa_token": mt, "otp": _code(secret, start)}
        r = http.post("/oauth/token", data=body)
        assert r.status_code == 200, r.text
        ledger.add("signed_in", item)

    def recover(http, item):
        user, code, mt = item
        body = {"grant_type": MFA_RECOVERY, "client_id": client["client_id"],
                "client_secret": client["client_secret"], "mfa_token": mt, "recovery_code": code}
        r = http.post("/oauth/token", data=body)
        assert r.status_code == 200, r.text
        ledger.add("recovered", (user, code, mt, r.json()["recovery_code"]))

    # A verifying user's steps in order (R2), the users of a thread taking turns.
    halves = [work["verifying"][0::2], work["verifying"][1::2]]
    shares = [(work["enrolling"][0::2], enroll), (work["enrolling"][1::2], enroll),
              *[([(u, start + s) for s in range(STEPS) for u in half], verify) for half in halves],
              (work["signing_in"], sign_in), (work["recovering"], recover)]
    threads = [threading.Thread(target=worker(items, do)) for items, do in shares]
    for t in threads:
        t.start()
    return threads


def _check_after_restart(api, client: dict, ledger: Ledger, start: int) -> None:
    ssws = api.ssws
    for user_id, factor_id, secret in ledger.enrolled:  # confirmed before the kill: still there
        verify = f"{_factors(user_id)}/{factor_id}/verify"
        okta_error(api.http.post(verify, headers=ssws, json={"passCode": _code(secret, start - 1)}), 403, "E0000082")
        r = api.http.post(verify, headers=ssws, json={"passCode": _code(secret, start + STEPS)})
        assert r.status_code == 200 and r.json() == {"factorResult": "SUCCESS"}, (user_id, r.text)

    for user_id, factor_id, secret, step in ledger.verified:  # each step verified: spent (R1, R2)
        r = api.http.post(f"{_factors(user_id)}/{factor_id}/verify", headers=ssws, json={"passCode": _code(secret, step)})
        okta_error(r, 403, "E0000082")
    for user_id, factor_id, secret in {(u, f, s) for u, f, s, _ in ledger.verified}:  # and the factor alive
        r = api.http.post(f"{_factors(user_id)}/{factor_id}/verify", headers=ssws,
                          json={"passCode": _code(secret, start + STEPS)})
        assert r.status_code == 200, r.text

    for user, secret, spent_mt in ledger.signed_in:  # the mfa_token and the step: spent
        r = api.mfa_otp(client, spent_mt, _code(secret, start + STEPS))
        assert r.status_code == 403 and r.json()["error"] == "expired_token", r.text
        mt = api.mfa_token(client, user)
        r = api.mfa_otp(client, mt, _code(secret, start))
        assert r.status_code == 403 and r.json()["error_description"] == "Invalid otp_code.", r.text
        assert api.mfa_otp(client, mt, _code(secret, start + STEPS)).status_code == 200

    for user, spent_code, spent_mt, new_code in ledger.recovered:  # R13, R17: the old code spent,
        mt = api.mfa_token(client, user)                           # its replacement kept
        r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=mt, recovery_code=spent_code)
        assert r.status_code == 403 and r.json()["error"] == "invalid_grant", r.text
        r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=spent_mt, recovery_code=new_code)
        assert r.status_code == 403 and r.json()["error"] == "expired_token", r.text
        r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=mt, recovery_code=new_code)
        assert r.status_code == 200, r.text


def _gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_crash_drill(backend, tmp_path, pg_database_factory):
    url = _database_url(backend, tmp_path, pg_database_factory)
    first = Server(f"drill-{backend}", url, tmp_path, "00drill" + os.urandom(12).hex(), SETTINGS, workers=2,
                   own_group=True).start()
    again = None
    try:
        api = first.api()
        client = api.create_client()
        start = int(time.time() // 30)
        work = _prepare(api, client, start)

        ledger, killed = Ledger(), threading.Event()
        threads = _load(first, client, work, start, ledger, killed)
        deadline = time.monotonic() + 30
        while min(ledger.counts()) < SUCCESSES_BEFORE_KILL:
            assert time.monotonic() < deadline and any(t.is_alive() for t in threads), ledger.counts()
            time.sleep(0.005)
        first.kill()  # SIGKILL to the process group: the supervisor and both workers
        killed.set()
        for t in threads:
            t.join(timeout=30)
        deadline = time.monotonic() + 10
        while not _gone(first.proc.pid):  # no worker left answering
            assert time.monotonic() < deadline, "a worker outlived the kill"
            time.sleep(0.05)
        with pytest.raises(httpx.TransportError):
            httpx.get(first.base_url + "/.well-known/openid-configuration", timeout=2)
        assert not ledger.wrong, ledger.wrong
        assert ledger.cut > 0, ("the kill came after the load", ledger.counts())  # requests were cut off

        again = Server(f"drill-{backend}-again", url, tmp_path, first.api_token, SETTINGS).start()
        assert int(time.time() // 30) <= start + 2, "the drill took over a minute: its codes left the window"
        _check_after_restart(again.api(), client, ledger, start)
    finally:
        first.stop()
        if again is not None:
            again.stop()
