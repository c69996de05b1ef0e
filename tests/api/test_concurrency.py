"""Single use under concurrency: one TOTP step, one recovery code, one mfa_token and one
refresh token each succeed at most once, however many requests race for them, on one server
process or on two sharing a database (R1, R13, R31, R46, R55, R70)."""
from __future__ import annotations

import time

import httpx
import pytest

from ..support import MFA_OTP, MFA_RECOVERY, latest_code, new_phone, oathtool_totp, parallel, two_codes

N = 20


def _post_token(base_url: str, client: dict, **params) -> httpx.Response:
    """POST /oauth/token on a client of its own: one httpx.Client per thread."""
    body = {"client_id": client["client_id"], **params}
    if client.get("client_secret"):
        body["client_secret"] = client["client_secret"]
    with httpx.Client(base_url=base_url, timeout=60) as http:
        return http.post("/oauth/token", data=body)


def _statuses(responses: list[httpx.Response]) -> list[int]:
    return [r.status_code for r in responses]


def _assert_exactly_one_success(responses: list[httpx.Response]) -> httpx.Response:
    """Exactly one 200; every loser is refused as a client error (403, or 429 once the
    replays have locked the user)."""
    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1, (_statuses(responses), [r.text for r in responses if r.status_code != 200][:3])
    losers = [r for r in responses if r.status_code != 200]
    assert all(r.status_code in (403, 429) for r in losers), [(r.status_code, r.text) for r in losers]
    for r in losers:
        body = r.json()
        assert body["error"] in ("invalid_grant", "expired_token", "too_many_attempts"), body
        assert "access_token" not in body and "id_token" not in body and "refresh_token" not in body
    return winners[0]


@pytest.fixture(scope="module")
def other_server(backend, server, make_server):
    """A second `twofold serve` process on the same database, data dir and API token."""
    return make_server(backend, share_with=server)


def test_one_totp_code_same_mfa_token_20_parallel(api):
    """R1, R46: twenty simultaneous mfa-otp requests with one valid code and one mfa_token
    yield exactly one set of tokens."""
    client = api.create_client()
    user = api.enrolled_user(client)
    mfa_token = api.mfa_token(client, user)

    responses = parallel(lambda i: _post_token(api.base_url, client, grant_type=MFA_OTP,
                                               mfa_token=mfa_token, otp=user["next_code"]), N)

    winner = _assert_exactly_one_success(responses)
    assert "access_token" in winner.json()


def test_one_totp_code_different_mfa_tokens_20_parallel(api):
    """R1, R31: the TOTP step is claimed once per user, not once per mfa_token: twenty
    transactions of one user racing with the same valid code give exactly one success."""
    client = api.create_client()
    user = api.enrolled_user(client)
    tokens = [api.mfa_token(client, user) for _ in range(N)]

    responses = parallel(lambda i: _post_token(api.base_url, client, grant_type=MFA_OTP,
                                               mfa_token=tokens[i], otp=user["next_code"]), N)

    _assert_exactly_one_success(responses)


def test_one_totp_code_across_two_server_processes(api, server, other_server):
    """R1, R55: two server processes sharing one database still accept the code once; half
    the requests go to each process."""
    client = api.create_client()
    user = api.enrolled_user(client)
    tokens = [api.mfa_token(client, user) for _ in range(N)]
    urls = [server.base_url, other_server.base_url]

    responses = parallel(lambda i: _post_token(urls[i % 2], client, grant_type=MFA_OTP,
                                               mfa_token=tokens[i], otp=user["next_code"]), N)

    _assert_exactly_one_success(responses)


def test_one_totp_code_same_mfa_token_across_two_server_processes(api, server, other_server):
    """R46, R55: one mfa_token raced on two processes is consumed once."""
    client = api.create_client()
    user = api.enrolled_user(client)
    mfa_token = api.mfa_token(client, user)
    urls = [server.base_url, other_server.base_url]

    responses = parallel(lambda i: _post_token(urls[i % 2], client, grant_type=MFA_OTP,
                                               mfa_token=mfa_token, otp=user["next_code"]), N)

    _assert_exactly_one_success(responses)


def _okta_totp_factor(api, user: dict) -> str:
    r = api.http.get(f"/api/v1/users/{user['id']}/factors", headers=api.ssws)
    assert r.status_code == 200, r.text
    return next(f["id"] for f in r.json() if f["factorType"] == "token:software:totp")


def _okta_verify(base_url: str, api, user_id: str, factor_id: str, code: str) -> httpx.Response:
    with httpx.Client(base_url=base_url, timeout=60) as http:
        return http.post(f"/api/v1/users/{user_id}/factors/{factor_id}/verify", headers=api.ssws,
                         json={"passCode": code})


def test_okta_verify_one_code_20_parallel_across_two_processes(api, server, other_server):
    """R1, R2, R55: twenty Okta verifications of one code, half on each process, settle in the
    database: one SUCCESS; the others are replays (E0000082) or, once the replays reach the
    limit, a lockout (E0000069)."""
    client = api.create_client()
    user = api.enrolled_user(client)
    factor_id = _okta_totp_factor(api, user)
    urls = [server.base_url, other_server.base_url]

    responses = parallel(lambda i: _okta_verify(urls[i % 2], api, user["id"], factor_id, user["next_code"]), N)

    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1 and winners[0].json() == {"factorResult": "SUCCESS"}, _statuses(responses)
    codes = {r.json()["errorCode"] for r in responses if r.status_code != 200}
    assert codes <= {"E0000082", "E0000069"}, codes
    assert all(r.status_code == 403 for r in responses if r.status_code != 200)


def test_one_code_raced_through_both_dialects(api, server, other_server):
    """R1, R30: one code sent at once to Okta's verify and to Auth0's mfa-otp grant, on two
    processes, is accepted once in all."""
    client = api.create_client()
    user = api.enrolled_user(client)
    factor_id = _okta_totp_factor(api, user)
    tokens = [api.mfa_token(client, user) for _ in range(N // 2)]
    urls = [server.base_url, other_server.base_url]

    def attempt(i):
        if i % 2:
            return _okta_verify(urls[i // 2 % 2], api, user["id"], factor_id, user["next_code"])
        return _post_token(urls[i // 2 % 2], client, grant_type=MFA_OTP, mfa_token=tokens[i // 2],
                           otp=user["next_code"])

    responses = parallel(attempt, N)
    assert sum(r.status_code == 200 for r in responses) == 1, _statuses(responses)
    for r in responses:  # every loser is a refusal in its dialect's words, never a 500
        if r.status_code == 200:
            continue
        body = r.json()
        if "errorCode" in body:
            assert r.status_code == 403 and body["errorCode"] in ("E0000082", "E0000069"), body
        else:
            assert (r.status_code, body["error"]) in ((403, "invalid_grant"), (429, "too_many_attempts")), body


def test_two_valid_codes_race_for_one_mfa_token(api):
    """R46: the codes of two later steps, both unused, raced on one mfa_token: one set of
    tokens, whichever code wins (the loser's transaction is already spent)."""
    client = api.create_client()
    user, mfa_token, secret = api.associated_user(client)
    base = time.time()
    if base % 30 > 28:
        base += 2  # the confirming code must not age out in flight
    confirm, code_a, code_b = (oathtool_totp(secret, base + 30 * d) for d in (-1, 0, 1))
    assert api.mfa_otp(client, mfa_token, confirm).status_code == 200
    mfa_token = api.mfa_token(client, user)
    codes = [code_a, code_b]

    responses = parallel(lambda i: _post_token(api.base_url, client, grant_type=MFA_OTP, mfa_token=mfa_token,
                                               otp=codes[i % 2]), N)

    _assert_exactly_one_success(responses)


def test_one_recovery_code_20_parallel(api):
    """R13: twenty simultaneous mfa-recovery-code requests, each on its own mfa_token, with
    the user's one recovery code: exactly one succeeds, and it alone carries the new code."""
    client = api.create_client()
    user = api.enrolled_user(client)
    tokens = [api.mfa_token(client, user) for _ in range(N)]

    responses = parallel(lambda i: _post_token(api.base_url, client, grant_type=MFA_RECOVERY,
                                               mfa_token=tokens[i], recovery_code=user["recovery_code"]), N)

    winner = _assert_exactly_one_success(responses)
    new_code = winner.json().get("recovery_code")
    assert isinstance(new_code, str) and len(new_code) == 24 and new_code != user["recovery_code"]
    assert all("recovery_code" not in r.json() for r in responses if r is not winner)


def test_mfa_token_is_single_use(api):
    """R46: after a successful mfa-otp its mfa_token is spent: reusing it with the user's next
    valid code is refused as expired, and that refusal neither spends the code nor counts."""
    client = api.create_client()
    user, mfa_token, secret = api.associated_user(client)
    first, second = two_codes(secret)

    r = api.mfa_otp(client, mfa_token, first)
    assert r.status_code == 200, r.text

    r = api.mfa_otp(client, mfa_token, second)
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "expired_token", "error_description": "mfa_token is expired"}

    # The refused reuse did not claim `second`: a fresh transaction still accepts it.
    r = api.mfa_otp(client, api.mfa_token(client, user), second)
    assert r.status_code == 200, r.text


def test_mfa_token_parallel_recovery_and_otp_consume_once(api):
    """R46, R70: one mfa_token raced by an OTP and a recovery code (both valid) is consumed
    by one of them only."""
    client = api.create_client()
    user = api.enrolled_user(client)
    mfa_token = api.mfa_token(client, user)

    def attempt(i):
        if i % 2:
            return _post_token(api.base_url, client, grant_type=MFA_RECOVERY, mfa_token=mfa_token,
                               recovery_code=user["recovery_code"])
        return _post_token(api.base_url, client, grant_type=MFA_OTP, mfa_token=mfa_token, otp=user["next_code"])

    responses = parallel(attempt, N)
    _assert_exactly_one_success(responses)


def test_refresh_token_rotation_20_parallel(api):
    """R55, R70: twenty simultaneous refresh_token grants with one refresh token: exactly one
    rotates it; the reuse revokes the family, so the winner's new token is refused too."""
    client = api.create_client()
    user = api.enrolled_user(client, scope="openid offline_access")
    refresh_token = user["tokens"]["refresh_token"]

    responses = parallel(lambda i: _post_token(api.base_url, client, grant_type="refresh_token",
                                               refresh_token=refresh_token), N)

    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1, _statuses(responses)
    for r in responses:
        if r.status_code != 200:
            assert r.status_code == 403, r.text
            assert r.json() == {"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."}
    new_token = winners[0].json()["refresh_token"]
    assert new_token != refresh_token

    r = api.token(client, grant_type="refresh_token", refresh_token=new_token)
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."}


def test_refresh_token_sequential_reuse_revokes_family(api):
    """R70: the plain (non-concurrent) case: rotate once, reuse the old token, and the new
    one is revoked with it."""
    client = api.create_client()
    user = api.enrolled_user(client, scope="openid offline_access")
    old = user["tokens"]["refresh_token"]
    r = api.token(client, grant_type="refresh_token", refresh_token=old)
    assert r.status_code == 200, r.text
    new = r.json()["refresh_token"]

    r = api.token(client, grant_type="refresh_token", refresh_token=old)
    assert r.status_code == 403 and r.json()["error"] == "invalid_grant", r.text
    r = api.token(client, grant_type="refresh_token", refresh_token=new)
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."}


def test_a_pending_factor_is_confirmed_once_by_parallel_codes_of_two_steps(api):
    """R37, R70: codes of two steps race to confirm one pending factor (Okta activate): it is
    activated once, audited once, and every other attempt is refused or is a plain use."""
    user = api.create_user()
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": "token:software:totp", "provider": "GOOGLE"})
    factor = r.json()
    codes = two_codes(factor["_embedded"]["activation"]["sharedSecret"])
    url = f"{api.base_url}/api/v1/users/{user['id']}/factors/{factor['id']}/lifecycle/activate"

    def activate(i):
        with httpx.Client(timeout=60) as http:
            return http.post(url, headers=api.ssws, json={"passCode": codes[i % 2]})

    responses = parallel(activate, N)
    assert any(r.status_code == 200 for r in responses), _statuses(responses)
    assert all(r.status_code in (200, 400, 403) for r in responses), _statuses(responses)
    events = api.http.get("/api/v1/logs", headers=api.ssws, params={
        "filter": 'eventType eq "user.mfa.factor.activate"', "q": factor["id"], "limit": "100"}).json()
    assert len(events) == 1, events


def test_okta_verify_one_sent_code_20_parallel_across_two_processes(api, server, other_server):
    """R1, R20, R55: a code sent by SMS, verified twenty times at once, half on each process:
    the challenge is spent once in the database: one SUCCESS, the others replays or lockout."""
    user, phone = api.create_user(), new_phone()
    r = api.http.post(f"/api/v1/users/{user['id']}/factors?activate=true", headers=api.ssws,
                      json={"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": phone}})
    assert r.status_code == 200, r.text
    factor_id = r.json()["id"]
    r = api.http.post(f"/api/v1/users/{user['id']}/factors/{factor_id}/verify", headers=api.ssws, json={})
    assert r.status_code == 200 and r.json()["factorResult"] == "CHALLENGE", r.text
    code = latest_code(server, phone)
    urls = [server.base_url, other_server.base_url]

    responses = parallel(lambda i: _okta_verify(urls[i % 2], api, user["id"], factor_id, code), N)

    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1 and winners[0].json() == {"factorResult": "SUCCESS"}, _statuses(responses)
    codes = {r.json()["errorCode"] for r in responses if r.status_code != 200}
    assert codes <= {"E0000082", "E0000069"}, codes
