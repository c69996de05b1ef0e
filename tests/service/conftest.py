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


@pytest.fixture(params=["sqlite", "postgresql"])
async def rt(request, tmp_path, pg_database_factory):
    if request.param == "postgresql":
        require_postgres()
        url = pg_database_factory()
    else:
        url = f"sqlite:///{tmp_path / 'svc.db'}"
    settings = Settings(data_dir=tmp_path, database_url=url, issuer="https://mfa.example.test/",
                        argon2_memory_kib=8192, argon2_time_cost=1)
    runtime, _ = await build_runtime(settings, FixedClock(T0 + 5))
    yield runtime
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
