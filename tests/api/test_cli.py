"""The shell commands: migrate, users create, clients create; and serve --workers."""
from __future__ import annotations

import os
import select
import sqlite3
import stat
import subprocess
import sys
import time

import httpx

from ..conftest import Server
from ..support import PASSWORD, csrf_of

NAMES = ("--first-name", "Ada", "--last-name", "Lovelace")


def _run(env, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "twofold", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def _env(data_dir, **extra) -> dict:
    env = {**os.environ, "TWOFOLD_DATA_DIR": str(data_dir), "TWOFOLD_ISSUER": "http://127.0.0.1/"}
    env.pop("TWOFOLD_DATABASE_URL", None)
    env.pop("TWOFOLD_BOOTSTRAP_API_TOKEN", None)
    return {**env, **extra}


def _on_a_terminal(env, *args, dialogue: list[tuple[str, str]]) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal (`setsid -c` makes it the controlling terminal, which
    getpass reads), answering each prompt in turn; fails if a prompt never comes."""
    master, slave = os.openpty()
    proc = subprocess.Popen(["setsid", "-c", sys.executable, "-m", "twofold", *args], env=env,
                            stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    out, seen = b"", 0
    deadline = time.monotonic() + 60

    def read() -> bool:
        nonlocal out
        if select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            out += chunk
            return bool(chunk)
        return proc.poll() is None

    try:
        for prompt, answer in dialogue:
            while prompt.encode() not in out[seen:]:
                assert time.monotonic() < deadline and read(), f"no prompt {prompt!r}; got {out!r}"
            seen = out.index(prompt.encode(), seen) + len(prompt)
            os.write(master, answer.encode() + b"\n")
        while time.monotonic() < deadline and read():
            pass
        return proc.wait(timeout=60), out.decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


def _user_row(data_dir, login: str):
    with sqlite3.connect(data_dir / "twofold.db") as db:
        return db.execute("SELECT first_name, last_name, status, password_hash IS NOT NULL FROM users "
                          "WHERE login = ?", (login,)).fetchone()


def test_cli_creates_users_and_clients_that_the_server_accepts(tmp_path):
    env = {**os.environ, "TWOFOLD_DATA_DIR": str(tmp_path), "TWOFOLD_ISSUER": "http://127.0.0.1/"}
    env.pop("TWOFOLD_DATABASE_URL", None)
    env.pop("TWOFOLD_BOOTSTRAP_API_TOKEN", None)
    assert _run(env, "migrate").returncode == 0
    r = _run(env, "users", "create", "--login", "cli@example.com", *NAMES, "--password-stdin", stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    assert "user_id=00u" in r.stdout
    assert "created an admin API token" in r.stderr  # first bootstrap prints it once
    r2 = _run(env, "users", "create", "--login", "CLI@example.com", *NAMES, "--password-stdin", stdin=PASSWORD + "\n")
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
    r = _run(env, "users", "create", "--login", "x@example.com", *NAMES, "--password-stdin", stdin="short\n")
    assert r.returncode == 1 and "at least 8 characters" in r.stderr


def test_cli_makes_administrators_who_can_sign_in_to_the_console(tmp_path):
    env = {**os.environ, "TWOFOLD_DATA_DIR": str(tmp_path), "TWOFOLD_ISSUER": "http://127.0.0.1/"}
    env.pop("TWOFOLD_DATABASE_URL", None)
    env.pop("TWOFOLD_BOOTSTRAP_API_TOKEN", None)
    r = _run(env, "users", "create", "--login", "root@example.com", *NAMES, "--password-stdin", "--admin",
             stdin=PASSWORD + "\n")
    assert r.returncode == 0 and "role=SUPER_ADMIN" in r.stdout, r.stderr
    r = _run(env, "users", "create", "--login", "ops@example.com", *NAMES, "--password-stdin", stdin=PASSWORD + "\n")
    assert r.returncode == 0 and "role=" not in r.stdout
    r = _run(env, "admins", "grant", "--login", "ops@example.com")
    assert r.returncode == 0 and "granted" in r.stdout
    assert "already held" in _run(env, "admins", "grant", "--login", "ops@example.com").stdout
    r = _run(env, "admins", "grant", "--login", "nobody@example.com")
    assert r.returncode == 1, r.stderr
    # Says what is wrong and what to do (was `twofold: nobody@example.com (User)`).
    assert r.stderr.startswith("twofold: there is no user nobody@example.com; create one with "
                               "`twofold users create --login nobody@example.com --admin`"), r.stderr
    r = _run(env, "tokens", "create", "--name", " ")
    assert r.returncode == 1 and r.stderr.startswith("twofold: name") and "Traceback" not in r.stderr

    srv = Server("cli-admin", f"sqlite:///{tmp_path / 'twofold.db'}", tmp_path, "00unused-bootstrap-token")
    srv.start()
    try:
        with httpx.Client(base_url=srv.base_url) as http:
            page = http.get("/admin/signin")
            csrf = csrf_of(page)
            r = http.post("/admin/signin", data={"csrf": csrf, "username": "ops@example.com", "password": PASSWORD,
                                                 "next": "/admin/"}, headers={"Origin": srv.base_url})
            assert r.status_code == 303 and r.headers["location"].startswith("/admin/signin/factor")
            assert "Set up an authenticator app" in http.get(r.headers["location"]).text
    finally:
        srv.stop()
    assert "no administrator yet" not in srv.log_text()


def test_users_create_without_a_terminal_refuses_rather_than_make_a_passwordless_admin(tmp_path):
    """Issue #10: `printf 'pw\\npw\\n' | twofold users create --admin` exited 0 and left a
    PROVISIONED administrator without a password, who could never sign in. Without a terminal,
    what cannot be asked must be given (--password-stdin reads one line); names are never made up."""
    env = _env(tmp_path)
    piped = f"{PASSWORD}\n{PASSWORD}\n"
    r = _run(env, "users", "create", "--login", "root@example.com", "--admin", stdin=piped)
    assert r.returncode == 1 and r.stdout == "", r.stdout
    assert r.stderr.startswith("twofold: the input is not a terminal, so nothing can be asked for; give "
                               "--first-name, --last-name, --password-stdin"), r.stderr
    r = _run(env, "users", "create", "--login", "root@example.com", "--admin", *NAMES, stdin=piped)
    assert r.returncode == 1 and "--password-stdin" in r.stderr and "--first-name" not in r.stderr, r.stderr
    r = _run(env, "users", "create", "--login", "root@example.com", "--admin", "--password-stdin", stdin=piped)
    assert r.returncode == 1 and "--first-name, --last-name" in r.stderr and "--password-stdin" not in r.stderr
    r = _run(env, "users", "create", "--login", "root@example.com", "--admin", *NAMES, "--password-stdin", stdin="\n")
    assert r.returncode == 1 and r.stderr.startswith("twofold: the password is empty"), r.stderr
    r = _run(env, "admins", "grant", "--login", "root@example.com")
    assert r.returncode == 1 and "there is no user root@example.com" in r.stderr  # nothing was created

    r = _run(env, "users", "create", "--login", "root@example.com", "--admin", *NAMES, "--password-stdin", stdin=piped)
    assert r.returncode == 0 and "status=ACTIVE" in r.stdout and "role=SUPER_ADMIN" in r.stdout, r.stderr
    # One line was read: the password, not "pw\npw"; the names as given (never "-").
    assert _user_row(tmp_path, "root@example.com") == ("Ada", "Lovelace", "ACTIVE", 1)


def test_users_create_on_a_terminal_asks_for_the_names_and_the_password_twice(tmp_path):
    """Issue #10: the interactive prompt asks for the password twice and refuses two that differ."""
    env = _env(tmp_path)
    args = ("users", "create", "--login", "grace@example.com", "--admin")
    rc, out = _on_a_terminal(env, *args, dialogue=[("First name: ", "Grace"), ("Last name: ", "Hopper"),
                                                   ("Password: ", PASSWORD), ("Password (again): ", PASSWORD + "x")])
    assert rc == 1 and "twofold: the two passwords differ; nothing was created" in out, out
    assert PASSWORD not in out  # getpass: not echoed
    rc, out = _on_a_terminal(env, *args, dialogue=[("First name: ", "Grace"), ("Last name: ", "Hopper"),
                                                   ("Password: ", PASSWORD), ("Password (again): ", PASSWORD)])
    assert rc == 0 and "status=ACTIVE" in out and "role=SUPER_ADMIN" in out, out
    assert _user_row(tmp_path, "grace@example.com") == ("Grace", "Hopper", "ACTIVE", 1)


def test_serve_says_when_the_bootstrap_token_is_ignored_and_when_its_port_is_taken(tmp_path):
    """Issue #10: TWOFOLD_BOOTSTRAP_API_TOKEN counts only for a database without API tokens;
    it was ignored silently, so every admin call answered 401 E0000011. And a second server on
    the same port should say so before anything else."""
    url = f"sqlite:///{tmp_path / 'twofold.db'}"
    first = Server("cli-first", url, tmp_path, "00first-bootstrap-token").start()
    try:
        second = Server("cli-second", url, tmp_path, "00second-bootstrap-token").start()
        second.stop()
        assert "TWOFOLD_BOOTSTRAP_API_TOKEN is ignored: this database already has an API token" in second.log_text()
        assert "is ignored" not in first.log_text()
        r = httpx.get(first.base_url + "/api/v1/users", headers={"Authorization": "SSWS 00second-bootstrap-token"})
        assert r.status_code == 401 and r.json()["errorCode"] == "E0000011"  # it really was ignored

        env = {**first.env, "TWOFOLD_BOOTSTRAP_API_TOKEN": "00first-bootstrap-token"}
        r = _run(env, "tokens", "create", "--name", "again")  # the token that is there: nothing to say
        assert r.returncode == 0 and "is ignored" not in r.stderr, r.stderr
        r = httpx.get(first.base_url + "/api/v1/users", headers={"Authorization": f"SSWS {r.stdout.strip()}"})
        assert r.status_code == 200

        started = time.monotonic()
        r = _run(first.env, "serve", "--host", "127.0.0.1", "--port", str(first.port))
        assert r.returncode == 1, r.stderr
        assert r.stderr.startswith(f"twofold: port {first.port} on 127.0.0.1 is in use: is another `twofold serve` "
                                   "running? Stop it"), r.stderr
        assert "serving" not in r.stderr and time.monotonic() - started < 60
    finally:
        first.stop()


def test_the_sqlite_database_and_its_directory_are_private(tmp_path):
    """R7, R15: the SQLite file holds password hashes and sealed secrets. It is created 0600 (its
    -wal and -shm files too) in a 0700 data directory, like master.key, whatever the umask."""
    data = tmp_path / "fresh"  # does not exist yet
    old = os.umask(0o022)
    try:
        assert _run(_env(data), "migrate").returncode == 0
        srv = Server("cli-private", f"sqlite:///{data / 'twofold.db'}", data, "00private-files-token").start()
    finally:
        os.umask(old)
    try:
        srv.api().create_user()  # a write: the WAL is in use
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in data.iterdir()}
        assert {"twofold.db", "twofold.db-wal", "twofold.db-shm", "master.key"} <= set(modes), modes
        assert {name: mode for name, mode in modes.items() if mode != 0o600} == {}
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
    finally:
        srv.stop()
