"""The password throttle under real parallelism: only failures count toward the lockout, so
fifty simultaneous sign-ins with the right password all pass the password step, on a server
with two workers and on two server processes sharing one database; fifty simultaneous wrong
passwords still evaluate at most the limit, and then the right one is refused (R31, R34,
R42). One counter serves the Auth0 and Okta token endpoints alike (R30)."""
from __future__ import annotations

import httpx
import pytest

from ..support import PASSWORD, parallel

N = 50
MAX_FAILURES = 10  # TWOFOLD_PASSWORD_MAX_FAILURES
LOCKED = {"error": "too_many_attempts",
          "error_description": "Your account has been blocked after multiple consecutive login attempts."}
WRONG = {"error": "invalid_grant", "error_description": "Wrong email or password."}
OKTA_WRONG = {"error": "invalid_grant", "error_description": "The credentials provided were invalid."}
OKTA_LOCKED = {"error": "invalid_grant",
               "error_description": "API call exceeded the rate limit due to too many requests."}


def _sign_in(base_url: str, client: dict, login: str, password: str, okta: bool) -> httpx.Response:
    """A password sign-in on Auth0's /oauth/token or Okta's org token endpoint, on its own
    connection (one httpx.Client per thread)."""
    body = {"client_id": client["client_id"], "client_secret": client["client_secret"], "grant_type": "password",
            "username": login, "password": password}
    with httpx.Client(base_url=base_url, timeout=60) as http:
        if okta:
            return http.post("/oauth2/v1/token", data={**body, "scope": "openid"})
        return http.post("/oauth/token", data=body)


def _storm(urls: list[str], client: dict, login: str, password: str) -> list[httpx.Response]:
    """N sign-ins released together, spread over the URLs and over both dialects."""
    return parallel(lambda i: _sign_in(urls[i % len(urls)], client, login, password, okta=i // len(urls) % 2 == 1),
                    N)


def _assert_all_passed_the_password(responses: list[httpx.Response]) -> None:
    refused = [(r.status_code, r.text) for r in responses
               if r.status_code != 403 or r.json()["error"] != "mfa_required"]
    assert refused == [], refused
    assert len({r.json()["mfa_token"] for r in responses}) == N


@pytest.fixture(scope="module")
def two_workers(backend, make_server):
    return make_server(backend, workers=2)


@pytest.fixture(scope="module")
def two_processes(backend, server, make_server):
    """A second `twofold serve` process on the session server's database."""
    return [server, make_server(backend, share_with=server)]


def test_fifty_parallel_correct_sign_ins_on_two_workers_are_never_refused(two_workers):
    """R31, R42: attempts in flight are not failures: all fifty get mfa_required (were 10-39
    refused with 429 "blocked" when every attempt was counted before its hash)."""
    api = two_workers.api()
    client, user = api.create_client(), api.create_user()

    _assert_all_passed_the_password(_storm([two_workers.base_url], client, user["login"], PASSWORD))


def test_fifty_parallel_correct_sign_ins_on_two_processes_are_never_refused(two_processes):
    """R31, R42: the same across two server processes on one database: the slots are taken and
    given back in the database, one statement each."""
    api = two_processes[0].api()
    client, user = api.create_client(), api.create_user()

    _assert_all_passed_the_password(_storm([s.base_url for s in two_processes], client, user["login"], PASSWORD))


def test_fifty_parallel_wrong_passwords_evaluate_at_most_the_limit(two_processes):
    """R31, R34: fifty simultaneous wrong passwords over two processes and both dialects: at
    most ten are checked (the wrong-password answer), the rest are refused as locked without
    a check, and then the right password is refused too."""
    api = two_processes[0].api()
    client, user = api.create_client(), api.create_user()

    responses = _storm([s.base_url for s in two_processes], client, user["login"], "not-" + PASSWORD)

    answers = [(r.status_code, r.json()) for r in responses]
    wrong = [a for a in answers if a in ((403, WRONG), (400, OKTA_WRONG))]
    locked = [a for a in answers if a in ((429, LOCKED), (429, OKTA_LOCKED))]
    assert len(wrong) + len(locked) == N, answers
    assert len(wrong) <= MAX_FAILURES, answers
    for url in (s.base_url for s in two_processes):
        r = _sign_in(url, client, user["login"], PASSWORD, okta=False)
        assert (r.status_code, r.json()) == (429, LOCKED), r.text
        assert r.headers["retry-after"].isdigit()
    # Locked by exactly the limit's failures, whichever process or dialect evaluated them.
    assert len(wrong) == MAX_FAILURES, answers
