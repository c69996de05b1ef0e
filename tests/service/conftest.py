"""In-process services with an injected clock, on SQLite and PostgreSQL: for behaviour that
depends on time (TOTP steps, cooldowns, expiries) without sleeping."""
from __future__ import annotations

import pytest

from twofold.config import Settings
from twofold.domain.clock import FixedClock
from twofold.services import clients, users
from twofold.services.bootstrap import build_runtime

from ..conftest import require_postgres
from ..support import ALL_GRANTS, PASSWORD

T0 = 1_800_000_000.0  # a step boundary: 1_800_000_000 / 30 is whole


BACKENDS = ("sqlite", "postgresql")


async def _runtime(backend: str, data_dir, pg_database_factory, **settings_):
    if backend == "postgresql":
        require_postgres()  # under CI=true a missing server fails, never skips
        url = pg_database_factory()
    else:
        url = f"sqlite:///{data_dir / 'svc.db'}"
    settings = Settings(data_dir=data_dir, database_url=url, issuer="https://mfa.example.test/",
                        argon2_memory_kib=8192, argon2_time_cost=1, **settings_)
    runtime, _ = await build_runtime(settings, FixedClock(T0 + 5))
    return runtime


@pytest.fixture(params=BACKENDS)
async def rt(request, tmp_path, pg_database_factory):
    runtime = await _runtime(request.param, tmp_path, pg_database_factory)
    yield runtime
    await runtime.db.dispose()


@pytest.fixture
async def pg_rt(tmp_path, pg_database_factory):
    """A runtime on PostgreSQL only (what exists there alone: its stored function)."""
    runtime = await _runtime("postgresql", tmp_path, pg_database_factory)
    yield runtime
    await runtime.db.dispose()


@pytest.fixture
async def runtimes(tmp_path, pg_database_factory):
    """One runtime per backend, side by side: for tests that check both decide alike. Their
    limits are test_settle's table's: 3 failures, a 60 s cooldown, and ±3 TOTP steps (so its
    steps are codes the verifier accepts a minute on)."""
    made = {}
    try:
        for backend in BACKENDS:
            (tmp_path / backend).mkdir()
            made[backend] = await _runtime(backend, tmp_path / backend, pg_database_factory, mfa_max_failures=3,
                                           mfa_lockout_seconds=60, otp_grant_max_failures=3,
                                           otp_grant_lockout_seconds=60, totp_window=3)
        yield made
    finally:
        for runtime in made.values():
            await runtime.db.dispose()


@pytest.fixture
async def client(rt):
    c, _ = await clients.register(rt, client_name="svc", grant_types=ALL_GRANTS,
                                  token_endpoint_auth_method="none")
    return c


@pytest.fixture
async def user(rt):
    import secrets

    login = f"svc-{secrets.token_hex(4)}@example.com"
    row = await users.create(rt, users.NewUser(
        profile={"login": login, "email": login, "firstName": "S", "lastName": "V"},
        password=PASSWORD, activate=True))
    return row
