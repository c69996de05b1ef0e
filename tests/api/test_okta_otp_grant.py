"""Okta's OTP grant (`urn:okta:params:oauth:grant-type:otp`: a TOTP code with only a login,
no password) is no oracle and no lockout lever: an unknown login, a user without an
authenticator app, a wrong code and a spent budget get one answer (R34, R50); its guesses
spend a per-user budget of their own, so they stay bounded even in parallel (R30, R31) but
cannot lock the password + second-factor sign-in (R33). The replay guard stays shared (R1)."""
from __future__ import annotations

import httpx

from ..support import MFA_OTP, db_rows, okta_token, parallel, user_with_totp, wrong_code

OKTA_OTP = "urn:okta:params:oauth:grant-type:otp"
URL = "/oauth2/default/v1/token"
BUDGET = 10  # TWOFOLD_OTP_GRANT_MAX_FAILURES
REFUSED = {"error": "invalid_grant", "error_description": "The credentials provided were invalid."}


def _client(api) -> dict:
    return api.create_client([OKTA_OTP, "password", MFA_OTP], method="none")


def _otp_grant(api, client: dict, login: str, code: str) -> httpx.Response:
    return okta_token(api, URL, client, grant_type=OKTA_OTP, login_hint=login, otp=code, scope="openid")


def _assert_refused(r: httpx.Response) -> None:
    assert (r.status_code, r.json()) == (400, REFUSED), r.text
    assert "retry-after" not in r.headers and r.headers["cache-control"] == "no-store"


def _otp_grant_failures(server, user_id: str) -> list[tuple]:
    """(outcome, reason) of the user's verifications on the OTP grant's budget, from the audit."""
    return [tuple(row) for row in db_rows(server, (
        "SELECT outcome, reason FROM audit_events WHERE event_type = 'mfa.verify' "
        f"AND user_id = '{user_id}' AND detail LIKE '%otp_grant%'"))]


def test_unknown_login_user_without_the_factor_and_wrong_code_answer_alike(api):
    """R34, R50: one request no longer tells an unknown login from a user without an
    authenticator app (was 403 access_denied) or from a wrong or replayed code: same status,
    headers that matter and byte-identical body."""
    client = _client(api)
    enrolled, code = user_with_totp(api)
    without_factor = api.create_user()
    assert _otp_grant(api, client, enrolled["login"], code).status_code == 200

    answers = [
        _otp_grant(api, client, "nobody-" + enrolled["login"], code),
        _otp_grant(api, client, without_factor["login"], code),
        _otp_grant(api, client, enrolled["login"], wrong_code(enrolled["secret"])),
        _otp_grant(api, client, enrolled["login"], code),  # replayed (R1)
    ]

    for r in answers:
        _assert_refused(r)
    assert len({r.content for r in answers}) == 1
    assert len({r.headers["content-type"] for r in answers}) == 1


def test_spent_budget_refuses_the_grant_alike_but_not_the_password_sign_in(api, server):
    """R33, R30, R34: ten wrong codes with only the login spend the OTP grant's budget: the
    right code is then refused there with the wrong-code answer, and is not spent; the user
    still signs in with password + mfa-otp using that very code, and the grant stays refused
    afterwards (the MFA counter neither locks it nor unlocks it)."""
    client = _client(api)
    user, code = user_with_totp(api)
    bad = wrong_code(user["secret"])

    for _ in range(BUDGET):
        _assert_refused(_otp_grant(api, client, user["login"], bad))
    _assert_refused(_otp_grant(api, client, user["login"], code))  # bounded: the right code too

    mfa_token = api.mfa_token(client, user)
    r = api.mfa_otp(client, mfa_token, code)
    assert r.status_code == 200 and r.json()["access_token"], r.text

    # The grant stays refused, unseen: the success on the password path reset only its own counter.
    denied = [o for o, _ in _otp_grant_failures(server, user["id"])].count("DENY")
    _assert_refused(_otp_grant(api, client, user["login"], bad))
    outcomes = [o for o, _ in _otp_grant_failures(server, user["id"])]
    assert (outcomes.count("DENY"), outcomes.count("FAILURE")) == (denied + 1, BUDGET), outcomes


def test_a_success_resets_the_budget(api, server):
    """R32: nine wrong codes, the right one, then a whole budget of wrong codes: the audit
    shows every one of them evaluated (no DENY), since the success set the budget back to
    zero; the next guess is the first refused unseen."""
    client = _client(api)
    user, code = user_with_totp(api)
    bad = wrong_code(user["secret"])
    for _ in range(BUDGET - 1):
        _assert_refused(_otp_grant(api, client, user["login"], bad))
    assert _otp_grant(api, client, user["login"], code).status_code == 200
    for _ in range(BUDGET + 1):
        _assert_refused(_otp_grant(api, client, user["login"], bad))

    outcomes = [o for o, _ in _otp_grant_failures(server, user["id"])]
    assert (outcomes.count("FAILURE"), outcomes.count("SUCCESS"), outcomes.count("DENY")) == (2 * BUDGET - 1, 1, 1)


def test_parallel_guesses_evaluate_at_most_the_budget(api, server):
    """R31: forty simultaneous wrong codes with only the login: each answer is the same
    refusal, and the audit shows exactly ten evaluated (FAILURE) and thirty refused unseen
    (DENY locked_out); the password + mfa-otp sign-in is untouched."""
    client = _client(api)
    user, code = user_with_totp(api)
    bad = wrong_code(user["secret"])

    def attempt(i):
        with httpx.Client(base_url=api.base_url, timeout=60) as http:
            return http.post(URL, data={"client_id": client["client_id"], "grant_type": OKTA_OTP,
                                        "login_hint": user["login"], "otp": bad, "scope": "openid"})

    for r in parallel(attempt, 40):
        _assert_refused(r)
    outcomes = [outcome for outcome, _ in _otp_grant_failures(server, user["id"])]
    assert outcomes.count("FAILURE") == BUDGET and outcomes.count("DENY") == 30, outcomes

    r = api.mfa_otp(client, api.mfa_token(client, user), code)
    assert r.status_code == 200, r.text


def test_unlock_restores_the_budget(api):
    """R33: an administrator's unlock (Users API) clears the OTP grant's budget too: the right
    code, refused while the budget was spent, then signs in."""
    client = _client(api)
    user, code = user_with_totp(api)
    bad = wrong_code(user["secret"])
    for _ in range(BUDGET):
        _assert_refused(_otp_grant(api, client, user["login"], bad))
    _assert_refused(_otp_grant(api, client, user["login"], code))

    r = api.http.post(f"/api/v1/users/{user['id']}/lifecycle/unlock", headers=api.ssws)
    assert r.status_code == 200, r.text
    r = _otp_grant(api, client, user["login"], code)
    assert r.status_code == 200 and r.json()["access_token"], r.text
