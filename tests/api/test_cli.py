"""The shell commands: migrate, users create, clients create; and serve --workers."""
from __future__ import annotations

import os
import subprocess
import sys

import httpx

from ..conftest import Server
from ..support import PASSWORD


def _run(env, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "twofold", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_cli_creates_users_and_clients_that_the_server_accepts(tmp_path):
    env = {**os.environ, "TWOFOLD_DATA_DIR": str(tmp_path), "TWOFOLD_ISSUER": "http://127.0.0.1/"}
    env.pop("TWOFOLD_DATABASE_URL", None)
    env.pop("TWOFOLD_BOOTSTRAP_API_TOKEN", None)
    assert _run(env, "migrate").returncode == 0
    r = _run(env, "users", "create", "--login", "cli@example.com", "--password-stdin", stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    assert "user_id=00u" in r.stdout
    assert "created an admin API token" in r.stderr  # first bootstrap prints it once
    r2 = _run(env, "users", "create", "--login", "CLI@example.com", "--password-stdin", stdin=PASSWORD + "\n")
    assert r2.returncode == 1 and "already exists" in r2.stderr
    assert "created an admin API token" not in r2.stderr
    r = _run(env, "clients", "create", "--name", "cli", "--grant-type", "password")
    assert r.returncode == 0, r.stderr
    creds = dict(line.split("=", 1) for line in r.stdout.split())
    assert set(creds) == {"client_id", "client_secret"}

    srv = Server("cli", f"sqlite:///{tmp_path / 'twofold.db'}", tmp_path, "00unused-bootstrap-token", workers=2)
    srv.start()
    try:
        r = httpx.post(srv.base_url + "/oauth/token", data={
            "grant_type": "password", "username": "cli@example.com", "password": PASSWORD, **creds})
        assert r.status_code == 403 and r.json()["error"] == "mfa_required"
    finally:
        srv.stop()


def test_weak_password_is_refused(tmp_path):
    env = {**os.environ, "TWOFOLD_DATA_DIR": str(tmp_path)}
    env.pop("TWOFOLD_DATABASE_URL", None)
    r = _run(env, "users", "create", "--login", "x@example.com", "--password-stdin", stdin="short\n")
    assert r.returncode == 1 and "at least 8 characters" in r.stderr


def test_cli_makes_administrators_who_can_sign_in_to_the_console(tmp_path):
    env = {**os.environ, "TWOFOLD_DATA_DIR": str(tmp_path), "TWOFOLD_ISSUER": "http://127.0.0.1/"}
    env.pop("TWOFOLD_DATABASE_URL", None)
    env.pop("TWOFOLD_BOOTSTRAP_API_TOKEN", None)
    r = _run(env, "users", "create", "--login", "root@example.com", "--password-stdin", "--admin", stdin=PASSWORD + "\n")
    assert r.returncode == 0 and "role=SUPER_ADMIN" in r.stdout, r.stderr
    r = _run(env, "users", "create", "--login", "ops@example.com", "--password-stdin", stdin=PASSWORD + "\n")
    assert r.returncode == 0 and "role=" not in r.stdout
    r = _run(env, "admins", "grant", "--login", "ops@example.com")
    assert r.returncode == 0 and "granted" in r.stdout
    assert "already held" in _run(env, "admins", "grant", "--login", "ops@example.com").stdout
    r = _run(env, "admins", "grant", "--login", "nobody@example.com")
    assert r.returncode == 1 and "nobody@example.com" in r.stderr
    r = _run(env, "tokens", "create", "--name", " ")
    assert r.returncode == 1 and r.stderr.startswith("twofold: name") and "Traceback" not in r.stderr

    srv = Server("cli-admin", f"sqlite:///{tmp_path / 'twofold.db'}", tmp_path, "00unused-bootstrap-token")
    srv.start()
    try:
        with httpx.Client(base_url=srv.base_url) as http:
            page = http.get("/admin/signin")
            csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            r = http.post("/admin/signin", data={"csrf": csrf, "username": "ops@example.com", "password": PASSWORD,
                                                 "next": "/admin/"}, headers={"Origin": srv.base_url})
            assert r.status_code == 303 and r.headers["location"].startswith("/admin/signin/factor")
            assert "Set up an authenticator app" in http.get(r.headers["location"]).text
    finally:
        srv.stop()
    assert "no administrator yet" not in srv.log_text()
