"""R69: a PostgreSQL pool with no connection to give (every one held, or the server gone) is
Unavailable after TWOFOLD_DB_TIMEOUT, on both executors (the hot paths' asyncpg pool and
SQLAlchemy's), never a request that waits for ever (asyncpg's default) nor a 500."""
from __future__ import annotations

import asyncio
import contextvars
import time

import pytest
from sqlalchemy import literal, select

from twofold.domain.errors import Unavailable
from twofold.store.db import Database, create_engine

from ..conftest import free_port, require_postgres

TIMEOUT = 0.3
ONE = select(literal(1).label("one"))


@pytest.fixture
async def tiny_db(pg_database_factory):
    require_postgres()
    url = pg_database_factory()
    db = Database(create_engine(url, pool_size=1, timeout=TIMEOUT), pool_size=1, timeout=TIMEOUT)
    yield db
    await db.dispose()


async def _elsewhere(coro):
    """`coro` in a task of its own context: it does not share the connection this one holds."""
    return await asyncio.create_task(coro, context=contextvars.Context())


async def _unavailable_within_timeout(coro) -> None:
    started = time.monotonic()
    with pytest.raises(Unavailable):
        await asyncio.wait_for(_elsewhere(coro), 10 * TIMEOUT)
    assert time.monotonic() - started < 5 * TIMEOUT


async def test_the_hot_paths_pool_exhausted_is_unavailable(tiny_db):
    assert (await tiny_db.run(ONE))[0].one == 1
    async with tiny_db.held():  # the pool's one connection
        await _unavailable_within_timeout(tiny_db.run(ONE))
    assert (await tiny_db.run(ONE))[0].one == 1  # and served again once it is back


async def test_sqlalchemys_pool_exhausted_is_unavailable(tiny_db):
    async def one_transaction():
        async with tiny_db.transaction() as conn:
            return (await conn.execute(ONE)).scalar()

    async with tiny_db.transaction():
        await _unavailable_within_timeout(one_transaction())
    assert await one_transaction() == 1


async def test_a_server_that_refuses_connections_is_unavailable_on_both_executors():
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    db = Database(create_engine(closed, pool_size=1, timeout=TIMEOUT), pool_size=1, timeout=TIMEOUT)
    try:
        with pytest.raises(Unavailable):
            await db.run(ONE)
        with pytest.raises(Unavailable):
            async with db.transaction():
                pass
    finally:
        await db.dispose()
