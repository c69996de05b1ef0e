"""Lockout: ten consecutive failed codes lock a user's second factor, on every path that takes
a code and across mfa_tokens; a success resets the count; the password has a counter of its
own that answers the same whether or not the account exists (R29, R30, R31, R32, R34, R42, R50).

The cooldown (5 minutes for codes) is not waited for here: expiry is covered with an injected
clock elsewhere. Every test uses fresh users."""
from __future__ import annotations

import secrets

import httpx

from ..support import MFA_RECOVERY, PASSWORD, parallel, two_codes, wrong_code

MAX_FAILURES = 10
MFA_LOCKED = {"error": "too_many_attempts",
              "error_description": "Too many failed codes. Wait for some minutes before retrying."}
PASSWORD_LOCKED = {"error": "too_many_attempts",
                   "error_description": "Your account has been blocked after multiple consecutive login attempts."}
INVALID_OTP = {"error": "invalid_grant", "error_description": "Invalid otp_code."}
INVALID_RECOVERY = {"error": "invalid_grant", "error_description": "Invalid recovery_code."}
WRONG_PASSWORD = {"error": "invalid_grant", "error_description": "Wrong email or password."}




def wrong_recovery_code(real: str) -> str:
    code = "A" * len(real)
    return code if code != real.upper() else "B" * len(real)


def _assert_locked(r: httpx.Response, body: dict = MFA_LOCKED) -> None:
    assert r.status_code == 429, r.text
    assert r.json() == body
    retry_after = r.headers.get("retry-after")
    assert retry_after is not None and retry_after.isdigit() and int(retry_after) >= 1, r.headers


def _fail_otp(api, client, mfa_token: str, code: str, times: int) -> None:
    for _ in range(times):
        r = api.mfa_otp(client, mfa_token, code)
        assert r.status_code == 403 and r.json() == INVALID_OTP, r.text


def _fail_recovery(api, client, mfa_token: str, code: str, times: int) -> None:
    for _ in range(times):
        r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=mfa_token, recovery_code=code)
        assert r.status_code == 403 and r.json() == INVALID_RECOVERY, r.text


def _wrong_password_login(api, client, login: str) -> httpx.Response:
    return api.token(client, grant_type="password", username=login, password="not-" + PASSWORD)


# --- second factor -------------------------------------------------------------------------

def test_ten_wrong_codes_lock_out_even_the_right_code(api):
    """R29, R31: after ten failed codes the correct one is refused with 429 and Retry-After."""
    client = api.create_client()
    user = api.enrolled_user(client)
    mfa_token = api.mfa_token(client, user)
    bad = wrong_code(user["secret"])

    _fail_otp(api, client, mfa_token, bad, MAX_FAILURES)

    r = api.mfa_otp(client, mfa_token, user["next_code"])
    _assert_locked(r)
    assert "access_token" not in r.json()
    # Locked for any transaction and for the recovery path too (R30).
    _assert_locked(api.mfa_otp(client, api.mfa_token(client, user), user["next_code"]))
    _assert_locked(api.token(client, grant_type=MFA_RECOVERY, mfa_token=api.mfa_token(client, user),
                             recovery_code=user["recovery_code"]))


def test_failures_are_shared_across_paths_and_mfa_tokens(api):
    """R30, R42: one counter per user: 4 wrong OTPs on token A, 3 wrong recovery codes on token
    B and 3 wrong OTPs on token C lock the user; the right code on a fresh token D gets 429."""
    client = api.create_client()
    user = api.enrolled_user(client)
    bad = wrong_code(user["secret"])

    _fail_otp(api, client, api.mfa_token(client, user), bad, 4)
    _fail_recovery(api, client, api.mfa_token(client, user), wrong_recovery_code(user["recovery_code"]), 3)
    _fail_otp(api, client, api.mfa_token(client, user), bad, 3)

    _assert_locked(api.mfa_otp(client, api.mfa_token(client, user), user["next_code"]))


def test_nine_failures_do_not_lock(api):
    """R29: the limit is ten: after nine failures spread over transactions the right code
    still succeeds."""
    client = api.create_client()
    user = api.enrolled_user(client)
    bad = wrong_code(user["secret"])

    _fail_otp(api, client, api.mfa_token(client, user), bad, 5)
    _fail_recovery(api, client, api.mfa_token(client, user), wrong_recovery_code(user["recovery_code"]), 4)

    r = api.mfa_otp(client, api.mfa_token(client, user), user["next_code"])
    assert r.status_code == 200, r.text


def test_success_resets_the_count(api):
    """R32: nine failures, a success, nine more failures, and the next step's code still
    succeeds: the success set the count back to zero. The first success is the enrolment
    confirmation (a pending factor's codes count like an active one's, R30)."""
    client = api.create_client()
    user, mfa_token, secret = api.associated_user(client)
    first, second = two_codes(secret)
    bad = wrong_code(secret)

    _fail_otp(api, client, mfa_token, bad, MAX_FAILURES - 1)
    r = api.mfa_otp(client, mfa_token, first)
    assert r.status_code == 200, r.text

    mfa_token = api.mfa_token(client, user)
    _fail_otp(api, client, mfa_token, bad, MAX_FAILURES - 1)  # 403 each, never 429
    r = api.mfa_otp(client, mfa_token, second)
    assert r.status_code == 200, r.text


def test_recovery_success_resets_the_count(api):
    """R32, R30: a recovery-code success resets the counter shared with OTP."""
    client = api.create_client()
    user = api.enrolled_user(client)
    bad = wrong_code(user["secret"])

    _fail_otp(api, client, api.mfa_token(client, user), bad, MAX_FAILURES - 1)
    r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=api.mfa_token(client, user),
                  recovery_code=user["recovery_code"])
    assert r.status_code == 200, r.text

    _fail_otp(api, client, api.mfa_token(client, user), bad, MAX_FAILURES - 1)
    r = api.mfa_otp(client, api.mfa_token(client, user), user["next_code"])
    assert r.status_code == 200, r.text


def test_parallel_wrong_codes_count_at_most_ten(api):
    """R31: forty simultaneous wrong codes: every attempt is counted before it is checked, so
    exactly ten are evaluated (403) and the rest are refused as locked (429); none succeeds,
    and the right code afterwards is locked out."""
    client = api.create_client()
    user = api.enrolled_user(client)
    mfa_token = api.mfa_token(client, user)
    bad = wrong_code(user["secret"])

    def attempt(i):
        with httpx.Client(base_url=api.base_url, timeout=60) as http:
            return http.post("/oauth/token", data={
                "grant_type": "http://auth0.com/oauth/grant-type/mfa-otp", "client_id": client["client_id"],
                "client_secret": client["client_secret"], "mfa_token": mfa_token, "otp": bad})

    responses = parallel(attempt, 40)

    statuses = [r.status_code for r in responses]
    assert 200 not in statuses
    assert set(statuses) <= {403, 429}, statuses
    evaluated = [r for r in responses if r.status_code == 403]
    assert all(r.json() == INVALID_OTP for r in evaluated)
    assert len(evaluated) <= MAX_FAILURES, statuses
    assert len(evaluated) == MAX_FAILURES, statuses  # and ten failures do lock
    assert all(r.json() == MFA_LOCKED for r in responses if r.status_code == 429)

    _assert_locked(api.mfa_otp(client, mfa_token, user["next_code"]))


# --- password -------------------------------------------------------------------------------

def test_ten_wrong_passwords_lock_out_the_right_password(api):
    """R34: after ten wrong passwords the right one gets 429 too: while locked the password is
    not checked, so the answer is no oracle for it."""
    client = api.create_client()
    user = api.create_user()

    for _ in range(MAX_FAILURES):
        r = _wrong_password_login(api, client, user["login"])
        assert r.status_code == 403 and r.json() == WRONG_PASSWORD, r.text

    _assert_locked(api.password_login(client, user), PASSWORD_LOCKED)
    _assert_locked(_wrong_password_login(api, client, user["login"]), PASSWORD_LOCKED)


def test_unknown_user_locks_the_same_way(api):
    """R34, R50: a login name with no account is throttled exactly like a real one, so the
    lockout does not reveal whether the account exists."""
    client = api.create_client()
    user = api.create_user()
    ghost = f"ghost-{secrets.token_hex(5)}@example.com"

    real_answers, ghost_answers = [], []
    for _ in range(MAX_FAILURES + 1):
        real_answers.append(_wrong_password_login(api, client, user["login"]))
        ghost_answers.append(_wrong_password_login(api, client, ghost))

    for real, fake in zip(real_answers, ghost_answers, strict=True):
        assert real.status_code == fake.status_code, (real.text, fake.text)
        assert real.json() == fake.json()
        assert real.headers.get("retry-after") == fake.headers.get("retry-after")
    assert [r.status_code for r in ghost_answers] == [403] * MAX_FAILURES + [429]
    _assert_locked(ghost_answers[-1], PASSWORD_LOCKED)
    # Still locked, whatever password is tried.
    _assert_locked(api.token(client, grant_type="password", username=ghost, password=PASSWORD), PASSWORD_LOCKED)


def test_password_lockout_is_per_login_name(api):
    """R34: locking one login name does not lock another user."""
    client = api.create_client()
    locked, other = api.create_user(), api.create_user()
    for _ in range(MAX_FAILURES):
        _wrong_password_login(api, client, locked["login"])
    _assert_locked(api.password_login(client, locked), PASSWORD_LOCKED)

    r = api.password_login(client, other)
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text


def test_otp_lockout_does_not_lock_the_password(api):
    """R29, R34: the two counters are separate: a user locked out of codes can still pass the
    password step (mfa_required), and the code step stays locked."""
    client = api.create_client()
    user = api.enrolled_user(client)
    _fail_otp(api, client, api.mfa_token(client, user), wrong_code(user["secret"]), MAX_FAILURES)

    r = api.password_login(client, user)
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "mfa_required"
    _assert_locked(api.mfa_otp(client, r.json()["mfa_token"], user["next_code"]))


def test_password_lockout_does_not_lock_codes_counter(api):
    """R29: wrong passwords do not count against the code counter: ten wrong passwords lock
    only the password, and an mfa_token obtained before that still accepts the right code."""
    client = api.create_client()
    user = api.enrolled_user(client)
    mfa_token = api.mfa_token(client, user)
    for _ in range(MAX_FAILURES):
        _wrong_password_login(api, client, user["login"])
    _assert_locked(api.password_login(client, user), PASSWORD_LOCKED)

    r = api.mfa_otp(client, mfa_token, user["next_code"])
    assert r.status_code == 200, r.text


def test_wrong_password_and_unknown_user_are_indistinguishable(api):
    """R50: a wrong password and an unknown login name get the same status and byte-identical
    body."""
    client = api.create_client()
    user = api.create_user()

    wrong = _wrong_password_login(api, client, user["login"])
    unknown = api.token(client, grant_type="password", username=f"nobody-{secrets.token_hex(5)}@example.com",
                        password=PASSWORD)

    assert wrong.status_code == unknown.status_code == 403
    assert wrong.json() == unknown.json() == WRONG_PASSWORD
    assert wrong.content == unknown.content
    assert wrong.headers.get("content-type") == unknown.headers.get("content-type")
