"""Shared fixtures: a real PostgreSQL database per session, real `twofold serve` processes.

PostgreSQL tests skip only when PostgreSQL is unreachable *and* CI is not "true"; under CI
they fail instead, so a green CI run always includes them."""
from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from .support import Api

PG_ADMIN = os.environ.get("TWOFOLD_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"


def _pg(sql: str) -> None:
    import asyncpg

    async def run():
        conn = await asyncpg.connect(PG_ADMIN, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    # A fresh thread has no running event loop, so this works from async fixtures too.
    result: list[BaseException] = []

    def target():
        try:
            asyncio.run(run())
        except BaseException as exc:  # noqa: BLE001
            result.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if result:
        raise result[0]


def _pg_available() -> str | None:
    try:
        _pg("SELECT 1")
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}"


def require_postgres() -> None:
    problem = _pg_available()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI but unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")


@pytest.fixture(scope="session")
def pg_database_factory():
    """Creates throwaway databases and drops them at the end of the session."""
    created: list[str] = []

    def make() -> str:
        require_postgres()
        name = "twofold_t_" + secrets.token_hex(6)
        _pg(f'CREATE DATABASE "{name}"')
        created.append(name)
        base = PG_ADMIN.rsplit("/", 1)[0]
        return f"{base}/{name}"

    yield make
    for name in created:
        try:
            _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception:  # noqa: BLE001
            pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real `twofold serve` process."""

    def __init__(self, name: str, database_url: str, data_dir: Path, api_token: str, extra_env: dict | None = None,
                 workers: int = 1, own_group: bool = False) -> None:
        self.name = name
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.issuer = self.base_url + "/"
        self.database_url = database_url
        self.data_dir = data_dir
        self.api_token = api_token
        self.log_path = OUTPUT / f"server-{name}-{self.port}.log"
        self.env = {
            **os.environ,
            "TWOFOLD_DATA_DIR": str(data_dir),
            "TWOFOLD_DATABASE_URL": database_url,
            "TWOFOLD_ISSUER": self.issuer,
            "TWOFOLD_BOOTSTRAP_API_TOKEN": api_token,
            "TWOFOLD_LOG_LEVEL": "info",
            # A few connections per process: a session keeps several PostgreSQL servers alive,
            # and PostgreSQL's 100 connections must also serve the tests' own clients.
            "TWOFOLD_DB_POOL_SIZE": "4",
            **(extra_env or {}),
        }
        self.workers = workers
        self.own_group = own_group  # a process group of its own, so that kill() reaches every worker
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        OUTPUT.mkdir(exist_ok=True)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "twofold", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers)],
            env=self.env, stdout=self._log, stderr=subprocess.STDOUT, cwd=str(self.data_dir),
            start_new_session=self.own_group,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early; log:\n{self.log_path.read_text()}")
            try:
                if httpx.get(self.base_url + "/.well-known/openid-configuration", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start; log:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if getattr(self, "_log", None):
            self._log.close()

    def kill(self) -> None:
        """SIGKILL, as a crash would: the whole process group (the workers too) when it has one."""
        if self.own_group:
            os.killpg(self.proc.pid, signal.SIGKILL)
        else:
            self.proc.kill()
        self.proc.wait(timeout=15)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def api(self) -> Api:
        return Api(self.base_url, self.api_token, self.issuer)


def _database_url(backend: str, tmp: Path, pg_database_factory) -> str:
    if backend == "postgresql":
        return pg_database_factory()
    return f"sqlite:///{tmp / 'twofold.db'}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request) -> str:
    if request.param == "postgresql":
        require_postgres()
    return request.param


@pytest.fixture(scope="session")
def server(backend, tmp_path_factory, pg_database_factory):
    """One server per backend for the whole session; tests make their own users and clients."""
    data_dir = tmp_path_factory.mktemp(f"data-{backend}")
    srv = Server(backend, _database_url(backend, data_dir, pg_database_factory), data_dir,
                 "00" + secrets.token_urlsafe(30)).start()
    yield srv
    srv.stop()


@pytest.fixture
def api(server) -> Api:
    return server.api()


@pytest.fixture(scope="session")
def make_server(tmp_path_factory, pg_database_factory):
    """Start extra servers (two processes on one database, special settings)."""
    started: list[Server] = []

    def make(backend: str, *, share_with: Server | None = None, extra_env: dict | None = None,
             workers: int = 1) -> Server:
        if backend == "postgresql":
            require_postgres()
        if share_with is not None:
            data_dir, url, token = share_with.data_dir, share_with.database_url, share_with.api_token
        else:
            data_dir = tmp_path_factory.mktemp(f"data-{backend}-extra")
            url, token = _database_url(backend, data_dir, pg_database_factory), "00" + secrets.token_urlsafe(30)
        srv = Server(f"{backend}-extra", url, data_dir, token, extra_env, workers).start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture(scope="session")
def sending_server(backend, make_server):
    """A server that sends codes to one number or address as often as asked (no 30 s interval):
    for flows that send twice in a row (enroll, then verify). The interval itself is tested on
    the `server`."""
    return make_server(backend, extra_env={"TWOFOLD_SEND_INTERVAL_SECONDS": "0"})


@pytest.fixture(scope="session", autouse=True)
def _tools_present():
    missing = [t for t in ("oathtool",) if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing test tools {missing}: run scripts/test, which installs them")
