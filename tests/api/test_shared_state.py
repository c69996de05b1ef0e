"""Two `twofold serve` processes on one database and one Redis behave as one server: a change
made through A reaches B's caches within a second (publish/subscribe), and the management API's
rate limits count the calls made to both. On SQLite and PostgreSQL.

Without Redis, B would keep what it remembered for up to 5 s (its caches' time to live): every
test here warms B's cache just before the change, so a broken invalidation fails the 1-s deadline."""
from __future__ import annotations

import secrets
import subprocess
import sys
import time

import pytest

from ..redis_support import redis_env, require_redis, within
from ..support import (
    MFA_OTP, default_enroll_policy, default_server_rule, okta_error, okta_token, put_enroll_modes, put_server_rule,
)

RATE_LIMIT = 12


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def pair(request, make_server):
    require_redis()
    env = {**redis_env(), "TWOFOLD_MANAGEMENT_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT)}
    a = make_server(request.param, extra_env=env)
    b = make_server(request.param, share_with=a, extra_env=env)
    return a, b


def _new_token(server, name: str) -> str:
    r = subprocess.run([sys.executable, "-m", "twofold", "tokens", "create", "--name", name], env=server.env,
                       cwd=str(server.data_dir), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


def _ssws(token: str) -> dict:
    return {"Authorization": f"SSWS {token}"}


def test_a_token_revoked_on_A_is_refused_by_B_within_1_s(pair):
    """R69 / issue 13: a revoked API token stops working in every process within a second."""
    a, b = pair
    name = "shared-" + secrets.token_hex(4)
    value = _new_token(a, name)
    api_a, api_b = a.api(), b.api()
    assert api_b.http.get("/api/v1/users?limit=1", headers=_ssws(value)).status_code == 200  # B remembers it
    (token,) = [t for t in api_a.http.get("/api/v1/api-tokens", headers=api_a.ssws).json() if t["name"] == name]
    assert api_a.http.delete(f"/api/v1/api-tokens/{token['id']}", headers=api_a.ssws).status_code == 204
    revoked = time.monotonic()

    def refused() -> bool:
        r = api_b.http.get("/api/v1/users?limit=1", headers=_ssws(value))
        assert r.status_code in (200, 401), r.text
        return r.status_code == 401

    within(1.0, refused, since=revoked)
    okta_error(api_b.http.get("/api/v1/api-tokens", headers=_ssws(value)), 401, "E0000011")


def test_an_enrollment_policy_changed_on_A_is_enforced_by_B_within_1_s(pair):
    a, b = pair
    api_a, api_b = a.api(), b.api()
    client = api_a.create_client()
    user = api_a.create_user()

    def enroll_types() -> list[str]:
        r = api_b.password_login(client, user)
        assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text
        return [t["type"] for t in r.json()["mfa_requirements"]["enroll"]]

    assert "phone" in enroll_types()  # Phone is Optional from the start; B now remembers the rules
    policy = default_enroll_policy(api_a)
    try:
        r = put_enroll_modes(api_a, policy, phone_number="NOT_ALLOWED")
        assert r.status_code == 200, r.text
        changed = time.monotonic()
        within(1.0, lambda: "phone" not in enroll_types(), since=changed)
        assert enroll_types() == ["otp", "email"]
    finally:
        r = put_enroll_modes(api_a, policy, phone_number="OPTIONAL")
        assert r.status_code == 200, r.text
    within(1.0, lambda: "phone" in enroll_types())


def test_a_client_secret_rotated_on_A_is_refused_by_B_within_1_s(pair):
    a, b = pair
    api_a, api_b = a.api(), b.api()
    client, user = api_a.create_client(), api_a.create_user()
    assert api_b.password_login(client, user).status_code == 403  # the client authenticated; B remembers it
    r = api_a.http.post(f"/api/v1/apps/{client['client_id']}/credentials/secrets", headers=api_a.ssws, json={})
    assert r.status_code in (200, 201), r.text
    rotated = time.monotonic()

    def refused() -> bool:
        r = api_b.password_login(client, user)
        assert r.status_code in (401, 403), r.text
        return r.status_code == 401

    within(1.0, refused, since=rotated)
    assert api_b.password_login(client, user).json()["error"] == "access_denied"


def test_an_access_rule_changed_on_A_is_obeyed_by_B_at_once(pair):
    """Access-policy rules are not cached: B reads the changed rule on its next token request."""
    a, b = pair
    api_a, api_b = a.api(), b.api()
    client, user = api_a.create_client(["password", MFA_OTP], method="client_secret_basic"), api_a.create_user()

    def password_grant():
        return okta_token(api_b, "/oauth2/default/v1/token", client, grant_type="password", username=user["login"],
                          password=user["password"], scope="openid")

    assert password_grant().json()["error"] == "mfa_required"
    policy, rule = default_server_rule(api_a)
    without = [g for g in rule["conditions"]["grantTypes"]["include"] if g != "password"]
    try:
        assert put_server_rule(api_a, policy, rule, conditions={"grantTypes": {"include": without}}).status_code == 200
        r = password_grant()
        assert r.status_code == 400 and r.json()["error"] == "access_denied", r.text
    finally:
        assert put_server_rule(api_a, policy, rule).status_code == 200
    assert password_grant().json()["error"] == "mfa_required"


def _count_calls(a, b, token: str) -> list:
    """Calls alternately on A and B until one is refused; (server, status, remaining, reset)."""
    seen = []
    for i in range(RATE_LIMIT + 1):
        srv = (a, b)[i % 2]
        r = srv.api().http.get("/api/v1/users?limit=1", headers=_ssws(token))
        seen.append((srv.port, r.status_code, int(r.headers["x-rate-limit-remaining"]),
                     int(r.headers["x-rate-limit-reset"])))
        if r.status_code == 429:
            okta_error(r, 429, "E0000047")
            break
    return seen


def test_the_management_rate_limit_counts_the_calls_to_both_processes(pair):
    """R69: one budget per token, endpoint group and minute, whichever process is asked."""
    a, b = pair
    for _ in range(2):  # a minute that turns during the run starts a new window: once more
        seen = _count_calls(a, b, _new_token(a, "rate-" + secrets.token_hex(4)))
        if len({reset for *_, reset in seen}) == 1:
            break
    assert [status for _, status, _, _ in seen] == [200] * RATE_LIMIT + [429], seen
    assert [remaining for _, _, remaining, _ in seen] == [*range(RATE_LIMIT - 1, -1, -1), 0], seen
    assert {port for port, *_ in seen} == {a.port, b.port}
