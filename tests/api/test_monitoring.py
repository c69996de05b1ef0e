"""Monitoring over HTTP against real `twofold serve` processes: /healthz, /readyz (the database,
the schema at head, Redis when configured; R69: not ready is said with a 503, never assumed
away), and /metrics (off, open, behind a bearer token; several workers' numbers added up;
second-factor outcomes, lockouts and sent codes counted where they are decided). No label of
the exposition carries a user id, login, code or token (R68)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from twofold.store.migrate import revisions

from ..conftest import _pg, free_port
from ..redis_support import require_redis
from ..support import app_routes, db_rows, new_email, new_phone, wrong_code

MAX_FAILURES = 3
TOKEN = "metrics-" + "t0k3n" * 4
VERIFY_ROUTE = "/api/v1/users/{user_id}/factors/{factor_id}/verify"
HEAD = revisions()[0]


# --- helpers ------------------------------------------------------------------------------------

def scrape(server, token: str | None = None) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = httpx.get(server.base_url + "/metrics", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert r.headers["cache-control"] == "no-store"
    return r.text


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def label_values(text: str) -> set[str]:
    return {v for family in text_string_to_metric_families(text) for s in family.samples for v in s.labels.values()}


def requests_of(found: dict, route: str, method: str = "GET", status: str = "200") -> float:
    return value(found, "twofold_http_request_duration_seconds_count", route=route, method=method, status=status)


def until(predicate, seconds: float = 10.0):
    """Poll until `predicate()` is truthy: a request's duration is recorded just after its last
    byte, so the client may ask before the worker has written it."""
    deadline = time.monotonic() + seconds
    while True:
        result = predicate()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def closed_port() -> int:
    """A port nothing listens on (free a moment ago)."""
    return free_port()


# --- servers --------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def monitored_server(backend, make_server):
    """Metrics open; three failures lock a second factor or a login; SMS goes to a webhook that
    is not listening (every send fails), email to the outbox."""
    return make_server(backend, extra_env={
        "TWOFOLD_METRICS": "on", "TWOFOLD_MFA_MAX_FAILURES": str(MAX_FAILURES),
        "TWOFOLD_PASSWORD_MAX_FAILURES": str(MAX_FAILURES), "TWOFOLD_SMS_PROVIDER": "webhook",
        "TWOFOLD_SMS_WEBHOOK_URL": f"http://127.0.0.1:{closed_port()}/sms"})


@pytest.fixture(scope="session")
def two_workers(make_server, tmp_path_factory):
    """Two worker processes, metrics behind a token, the metric files under a TMPDIR of the
    test's (where `twofold serve` makes its private directory), Redis configured."""
    tmp = tmp_path_factory.mktemp("metrics-tmp")
    server = make_server("sqlite", workers=2, extra_env={
        "TWOFOLD_METRICS": TOKEN, "TMPDIR": str(tmp), "TWOFOLD_REDIS_URL": "redis://127.0.0.1:6379/0"})
    (directory,) = tmp.glob("twofold-metrics-*")
    return server, directory


# --- health ---------------------------------------------------------------------------------------

def test_healthz_and_readyz_answer_uncached(server):
    r = httpx.get(server.base_url + "/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert r.headers["cache-control"] == "no-store"
    r = httpx.get(server.base_url + "/readyz")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ready", "checks": {"database": "ok", "schema": "ok"}}
    assert r.headers["cache-control"] == "no-store"
    assert httpx.post(server.base_url + "/healthz").status_code == 405


def test_readyz_is_503_while_the_schema_is_not_at_head(monitored_server):
    """R69: a database an older release left (or a newer one moved on) is not ready, and says
    which check failed, without the database's address."""
    url = monitored_server.base_url + "/readyz"
    assert db_rows(monitored_server, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    try:
        db_rows(monitored_server, "UPDATE alembic_version SET version_num = '0014'")
        r = httpx.get(url)
        assert r.status_code == 503, r.text
        assert r.json() == {"status": "not_ready", "failed": ["schema"],
                            "checks": {"database": "ok", "schema": "behind"}}
        assert r.headers["cache-control"] == "no-store"
        db_rows(monitored_server, "UPDATE alembic_version SET version_num = '9999_from_a_newer_release'")
        r = httpx.get(url)
        assert r.status_code == 503 and r.json()["checks"]["schema"] == "unknown", r.text
        assert "127.0.0.1:5432" not in r.text and "sqlite" not in r.text and "twofold_t_" not in r.text
    finally:
        db_rows(monitored_server, f"UPDATE alembic_version SET version_num = '{HEAD}'")
    assert httpx.get(url).status_code == 200


def test_readyz_is_503_when_the_database_is_gone(make_server):
    """R69: PostgreSQL's database dropped under a running server: alive, but not ready."""
    srv = make_server("postgresql")
    assert httpx.get(srv.base_url + "/readyz").status_code == 200
    name = srv.database_url.rsplit("/", 1)[1]
    _pg(f'DROP DATABASE "{name}" WITH (FORCE)')
    r = httpx.get(srv.base_url + "/readyz", timeout=10)
    assert r.status_code == 503, r.text
    assert r.json() == {"status": "not_ready", "failed": ["database"], "checks": {"database": "unreachable"}}
    assert name not in r.text and "5432" not in r.text
    assert httpx.get(srv.base_url + "/healthz").status_code == 200


def test_readyz_checks_redis_when_configured(two_workers):
    require_redis()
    server, _ = two_workers
    r = httpx.get(server.base_url + "/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["checks"] == {"database": "ok", "schema": "ok", "redis": "ok"}


def test_readyz_is_503_when_redis_does_not_answer(make_server):
    """R69; the URL's password never reaches the answer."""
    srv = make_server("sqlite", extra_env={
        "TWOFOLD_REDIS_URL": f"redis://:hunter2-redis-pw@127.0.0.1:{closed_port()}/0"})
    r = httpx.get(srv.base_url + "/readyz")
    assert r.status_code == 503, r.text
    assert r.json() == {"status": "not_ready", "failed": ["redis"],
                        "checks": {"database": "ok", "schema": "ok", "redis": "unreachable"}}
    assert "hunter2" not in r.text and "hunter2" not in srv.log_text()


# --- exposure -------------------------------------------------------------------------------------

def test_metrics_off_by_default_is_an_unknown_path(server):
    r = httpx.get(server.base_url + "/metrics")
    assert r.status_code == 404
    unknown = httpx.get(server.base_url + "/no-such-path")
    assert r.json() == unknown.json() == {"error": "not_found", "error_description": "Not Found"}


def test_metrics_on_is_open(monitored_server):
    text = scrape(monitored_server)
    assert "# TYPE twofold_mfa_verifications_total counter" in text
    assert "# TYPE twofold_http_request_duration_seconds histogram" in text
    # A scraper that prefers OpenMetrics (as Prometheus does) gets it.
    r = httpx.get(monitored_server.base_url + "/metrics",
                  headers={"Accept": "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/openmetrics-text")
    assert r.text.endswith("# EOF\n")


def test_metrics_token_is_required(two_workers):
    server, _ = two_workers
    url = server.base_url + "/metrics"
    r = httpx.get(url)
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer realm="twofold metrics"'
    assert r.headers["cache-control"] == "no-store" and "twofold_" not in r.text
    for wrong in ("Bearer " + TOKEN[:-1], "Bearer " + TOKEN + "x", "Basic " + TOKEN, TOKEN):
        r = httpx.get(url, headers={"Authorization": wrong})
        assert r.status_code == 401, wrong
        assert r.headers["www-authenticate"] == 'Bearer realm="twofold metrics", error="invalid_token"'
    assert httpx.get(url, headers={"Authorization": "bearer " + TOKEN}).status_code == 200
    scrape(server, TOKEN)


def test_serve_refuses_a_guessable_metrics_token(tmp_path):
    """A switch mistyped as a short word fails the start-up (R69), naming the variable and not
    echoing the value."""
    env = {**os.environ, "TWOFOLD_DATA_DIR": str(tmp_path / "data"), "TWOFOLD_METRICS": "yes-please"}
    r = subprocess.run([sys.executable, "-m", "twofold", "serve", "--port", str(free_port())], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "TWOFOLD_METRICS must be off, on, or a bearer token" in r.stderr
    assert "yes-please" not in r.stderr + r.stdout and "Traceback" not in r.stderr
    assert not (tmp_path / "data").exists()


# --- what is counted ------------------------------------------------------------------------------

def _okta_totp_factor(api, user_id: str) -> str:
    r = api.http.get(f"/api/v1/users/{user_id}/factors", headers=api.ssws)
    assert r.status_code == 200, r.text
    (factor,) = [f for f in r.json() if f["factorType"] == "token:software:totp"]
    return factor["id"]


def test_totp_outcomes_lockouts_and_routes_are_counted(monitored_server):
    """A TOTP success (enrolment confirmation and sign-in), a replay (R1), wrong codes on Okta's
    factor verify and Auth0's grant, the failure that locks the user (R29) and an answer while
    locked, each counted once under factor_type="totp"; three wrong passwords lock the login.
    Requests are labelled by route template, and no label holds anything of the user's."""
    api = monitored_server.api()
    client = api.create_client()
    before = samples(scrape(monitored_server))

    user = api.enrolled_user(client)  # success: the first code confirms the pending factor
    r = api.mfa_otp(client, api.mfa_token(client, user), user["next_code"])
    assert r.status_code == 200, r.text  # success, on the hot path
    mfa_token = api.mfa_token(client, user)
    r = api.mfa_otp(client, mfa_token, user["next_code"])
    assert r.status_code == 403, r.text  # replay: failure 1
    factor_id = _okta_totp_factor(api, user["id"])
    bad = wrong_code(user["secret"])
    r = api.http.post(f"/api/v1/users/{user['id']}/factors/{factor_id}/verify", headers=api.ssws,
                      json={"passCode": bad})
    assert r.status_code == 403 and r.json()["errorCode"] == "E0000068", r.text  # failure 2
    r = api.mfa_otp(client, mfa_token, bad)
    assert r.status_code == 403, r.text  # failure 3: locked out
    r = api.mfa_otp(client, mfa_token, user["next_code"])
    assert r.status_code == 429, r.text  # refused while locked
    locked_login = api.create_user()
    for _ in range(MAX_FAILURES):
        r = api.token(client, grant_type="password", username=locked_login["login"], password="wrong-password-0")
        assert r.status_code == 403, r.text

    text = scrape(monitored_server)
    after = samples(text)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    verified = "twofold_mfa_verifications_total"
    assert {o: delta(verified, factor_type="totp", outcome=o) for o in ("success", "replay", "wrong_code", "locked")} \
        == {"success": 2, "replay": 1, "wrong_code": 2, "locked": 1}
    assert delta("twofold_lockouts_total", counter="mfa") == 1
    assert delta("twofold_lockouts_total", counter="password") == 1

    assert requests_of(after, VERIFY_ROUTE, "POST", "403") >= 1
    assert requests_of(after, "/oauth/token", "POST", "429") >= 1
    assert requests_of(after, "/api/v1/users/{user_id}/factors") >= 1  # a FastAPI route, by its template
    assert value(after, "twofold_db_pool_connections_open", pool="sqlalchemy") >= 1
    if monitored_server.database_url.startswith("postgresql"):
        assert value(after, "twofold_db_pool_connections_open", pool="asyncpg") >= 1

    # R68: nothing of the user's, the client's or the session's in a label, nor anywhere in the text.
    secrets_used = {user["id"], user["login"], user["password"], user["secret"], user["recovery_code"],
                    user["confirm_code"], user["next_code"], bad, mfa_token, factor_id, client["client_id"],
                    client["client_secret"], user["tokens"]["access_token"], locked_login["login"],
                    locked_login["id"], monitored_server.api_token}
    labels = label_values(text)
    assert not {v for v in labels for s in secrets_used if s in v}
    assert not [s for s in secrets_used if len(s) >= 8 and s in text]
    templates = {path for _, path in app_routes()} | {"(unmatched)"}
    routes = {s.labels["route"] for family in text_string_to_metric_families(text) for s in family.samples
              if "route" in s.labels}
    assert routes and routes <= templates, routes - templates  # templates only, never a concrete path


def _enroll(api, user_id, factor_type, profile):
    return api.http.post(f"/api/v1/users/{user_id}/factors", headers=api.ssws,
                         json={"factorType": factor_type, "provider": "OKTA", "profile": profile})


def test_codes_sent_are_counted_by_channel_and_outcome(monitored_server):
    """An email sent, a second one to the same address within the interval refused (R27), an
    SMS whose provider fails; no address or number in a label."""
    api = monitored_server.api()
    before = samples(scrape(monitored_server))
    user, address, phone = api.create_user(), new_email(), new_phone()
    r = _enroll(api, user["id"], "email", {"email": address})
    assert r.status_code == 200, r.text
    r = api.http.post(r.json()["_links"]["resend"][0]["href"], headers=api.ssws, json={})
    assert r.status_code == 429, r.text
    r = _enroll(api, user["id"], "sms", {"phoneNumber": phone})
    assert r.status_code == 503 and r.json()["errorCode"] == "E0000138", r.text

    text = scrape(monitored_server)
    after = samples(text)
    sent = "twofold_codes_sent_total"
    assert {(c, o): value(after, sent, channel=c, outcome=o) - value(before, sent, channel=c, outcome=o)
            for c, o in (("email", "sent"), ("email", "limited"), ("sms", "failed"), ("sms", "sent"))} \
        == {("email", "sent"): 1, ("email", "limited"): 1, ("sms", "failed"): 1, ("sms", "sent"): 0}
    assert address not in text and phone not in text and phone.lstrip("+") not in text


# --- several workers ------------------------------------------------------------------------------

def _healthz_per_worker(directory: Path) -> dict[int, float]:
    """Each worker's own count of GET /healthz, read from its file as the collector does."""
    out = {}
    for path in directory.glob("histogram_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        found = {(s.name, frozenset(s.labels.items())): s.value
                 for metric in MultiProcessCollector.merge([str(path)]) for s in metric.samples}
        out[pid] = requests_of(found, "/healthz")
    return out


def test_two_workers_numbers_are_added_up(two_workers):
    """Requests over fresh connections land on both workers; each keeps its own file, and a
    scrape, whichever worker answers it, reports their sum."""
    server, directory = two_workers
    sent = 0

    def hit(_):
        with httpx.Client() as fresh:  # a new connection: the kernel hands it to either worker
            assert fresh.get(server.base_url + "/healthz").status_code == 200

    with ThreadPoolExecutor(max_workers=8) as pool:
        while sent < 2000:
            list(pool.map(hit, range(100)))
            sent += 100
            per_worker = _healthz_per_worker(directory)
            if len(per_worker) == 2 and all(per_worker.values()):
                break
    assert len(per_worker) == 2 and all(per_worker.values()), per_worker

    def scraped() -> float:
        return requests_of(samples(scrape(server, TOKEN)), "/healthz")

    until(lambda: scraped() == sent)
    assert scraped() == sent
    assert sum(_healthz_per_worker(directory).values()) == sent


def test_a_dead_workers_counts_stay_and_its_pool_gauges_go(two_workers):
    """A worker killed (uvicorn starts another): what it counted still counts, its connections
    no longer do."""
    server, directory = two_workers
    scrape(server, TOKEN)  # each worker samples its pools within a second of starting
    assert until(lambda: len(list(directory.glob("gauge_livesum_*.db"))) == 2)
    counted = requests_of(samples(scrape(server, TOKEN)), "/healthz")
    victim = min(int(p.stem.rsplit("_", 1)[1]) for p in directory.glob("gauge_livesum_*.db"))
    os.kill(victim, signal.SIGKILL)

    def forgotten():
        found = samples(scrape(server, TOKEN))
        return not (directory / f"gauge_livesum_{victim}.db").exists() and found

    found = until(forgotten, 20)
    assert found, "the dead worker's gauges were not forgotten"
    assert requests_of(found, "/healthz") == counted
    assert (directory / f"histogram_{victim}.db").exists()


def test_stopping_serve_removes_its_metrics_directory(two_workers, make_server, tmp_path):
    """One process (uvicorn re-raises SIGTERM after its graceful shutdown) or a supervisor
    with workers: either way the private directory goes, and one process still dies of the
    signal. Runs last: it stops the two-worker server."""
    one = make_server("sqlite", extra_env={"TWOFOLD_METRICS": "on", "TMPDIR": str(tmp_path)})
    (one_directory,) = tmp_path.glob("twofold-metrics-*")
    scrape(one)
    assert list(one_directory.glob("*.db"))
    one.stop()
    assert one.proc.returncode == -signal.SIGTERM
    assert not one_directory.exists()

    server, directory = two_workers
    assert list(directory.glob("*.db"))
    server.stop()
    assert not directory.exists()
