"""Engines and transactions for SQLite (embedded default) and PostgreSQL (asyncpg)."""
from __future__ import annotations

import asyncio
import logging
import os
import time
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from ..domain.errors import Unavailable


def async_url(url: str) -> str:
    """Map the URLs people write to the async drivers we ship."""
    u = make_url(url)
    if u.drivername in ("sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"):
        return str(u.set(drivername="sqlite+aiosqlite"))
    if u.drivername in ("postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg2", "postgresql+psycopg"):
        return u.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL scheme {u.drivername!r}: use sqlite:/// or postgresql://")


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def _create_private_file(database: str | None) -> None:
    """The SQLite file holds password hashes and sealed secrets: create it 0600 in a 0700
    directory (like master.key) before SQLite does it with the umask's 0644. SQLite gives its
    -wal and -shm files the database file's mode, so they follow."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = os.path.abspath(database)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # an existing file keeps the mode its operator gave it


# What an unreachable database looks like (R69: such a request is answered 503, never decided):
# a refused or timed-out connect (OSError, TimeoutError among them), a connection PostgreSQL
# closed or refused (class 08, 57 "operator intervention" such as a shutdown, 53 "insufficient
# resources" such as too many connections), asyncpg's closed-connection and closing-pool errors,
# and SQLAlchemy's wrappings of these; SQLite's "database is locked" after busy_timeout is an
# OperationalError too. Constraint violations and the like are not among them: they mean what
# they always meant.
UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError, asyncpg.exceptions.InsufficientResourcesError,
    sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
)


def unreachable(exc: BaseException) -> bool:
    return isinstance(exc, UNREACHABLE) or (isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated)


log = logging.getLogger("twofold")
REPORT_EVERY = 10.0  # s: an outage is one story in the log, not a line per request
_reported = -REPORT_EVERY


def _unavailable(exc: BaseException) -> Unavailable:
    """What to raise for `exc` (from it): Unavailable, logged at most every REPORT_EVERY seconds,
    with the error's type only (its text may carry an address)."""
    global _reported
    now = time.monotonic()
    if now - _reported >= REPORT_EVERY:
        _reported = now
        log.warning("the database cannot be reached (%s): answering 503 until it can", type(exc).__name__)
    return Unavailable("database")


def create_engine(url: str, *, pool_size: int = 5, timeout: float = 10.0) -> AsyncEngine:
    aurl = async_url(url)
    if aurl.startswith("sqlite"):
        _create_private_file(make_url(aurl).database)
        engine = create_async_engine(aurl, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
            # We issue BEGIN ourselves (below); WAL lets readers work beside one writer, and
            # busy_timeout makes writers from other processes wait instead of failing.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn):  # pragma: no cover
            # BEGIN IMMEDIATE takes the write lock up front, so two transactions never both
            # read and then race to write: SQLite's form of SELECT … FOR UPDATE.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # hide_parameters: an error's log line never carries bound values (hashes, logins). `timeout`
    # bounds both a connect and the wait for a pooled connection (then: Unavailable, 503).
    return create_async_engine(aurl, pool_size=pool_size, max_overflow=0, pool_pre_ping=False, hide_parameters=True,
                               pool_timeout=timeout, connect_args={"timeout": timeout})


class Record:
    """A row of `run`, read like a SQLAlchemy row (`row.status`) on both backends and either
    executor; with a prefix, the columns of one table in a join labelled `<table>_<column>`."""

    __slots__ = ("_r", "_prefix")

    def __init__(self, record, prefix: str = "") -> None:
        self._r = record  # an asyncpg Record or a SQLAlchemy RowMapping: both are read by name
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        try:
            return self._r[self._prefix + name]
        except KeyError:
            raise AttributeError(name) from None

    def table(self, name: str) -> Record:
        return Record(self._r, name + "_")


_PG = pg_asyncpg.dialect()
# The pooled connection a hot request holds for its few statements (see Database.held). A
# context variable is per asyncio task, so two requests never share one.
_HELD: ContextVar = ContextVar("twofold_held_connection", default=None)


@contextmanager
def _holding(conn):
    token = _HELD.set(conn)
    try:
        yield
    finally:
        _HELD.reset(token)


class Database:
    def __init__(self, engine: AsyncEngine, pool_size: int = 5, timeout: float = 10.0) -> None:
        self.engine = engine
        self.sqlite = is_sqlite(engine)
        self._pool_size = pool_size
        self._timeout = timeout
        self._pool = None  # asyncpg pool for the hot paths' one-statement work (PostgreSQL)
        self._pool_lock = asyncio.Lock()
        self._compiled: dict[int, tuple[Any, str, list[str], dict]] = {}

    async def run(self, stmt, params: dict | None = None) -> list:
        """One statement in its own implicit transaction: the hot paths' reads and their
        one-statement atomic writes. On PostgreSQL it goes straight to asyncpg as a prepared
        statement (compiled once per statement object; SQLAlchemy's per-execute work is what
        the profiles showed); on SQLite through the engine, which is in-process anyway."""
        params = params or {}
        if self.sqlite:
            held = _HELD.get()
            if held is not None:  # inside atomic()
                return await _run_on(held, stmt, params)
            async with self.transaction() as conn:
                return await _run_on(conn, stmt, params)
        sql, names, defaults = self._compile(stmt)
        args = [params[n] if n in params else defaults[n] for n in names]
        conn = _HELD.get()
        try:
            if conn is not None:
                rows = await conn.fetch(sql, *args)
            else:
                pool = self._pool or await self._open_pool()
                async with pool.acquire(timeout=self._timeout) as conn:
                    rows = await conn.fetch(sql, *args)
        except UNREACHABLE as exc:
            raise _unavailable(exc) from exc
        return [Record(r) for r in rows]

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Inside this block `run` uses one pooled connection: a hot request's three or four
        statements cost one pool round, not one each. Each statement still commits alone."""
        if self.sqlite or _HELD.get() is not None:
            yield
            return
        try:
            pool = self._pool or await self._open_pool()
            async with pool.acquire(timeout=self._timeout) as conn:
                with _holding(conn):
                    yield
        except UNREACHABLE as exc:
            raise _unavailable(exc) from exc

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[None]:
        """One transaction for the `run` calls inside the block (committed on exit, rolled back
        on error): a hot path's few writes that belong together, without SQLAlchemy's
        per-statement cost on PostgreSQL."""
        if self.sqlite:
            async with self.transaction() as conn:
                with _holding(conn):
                    yield
            return
        async with self.held():
            async with _HELD.get().transaction():
                yield

    def _compile(self, stmt) -> tuple[str, list[str], dict]:
        hit = self._compiled.get(id(stmt))
        if hit is None or hit[0] is not stmt:
            compiled = stmt.compile(dialect=_PG)
            hit = (stmt, str(compiled), list(compiled.positiontup or []), dict(compiled.params))
            self._compiled[id(stmt)] = hit
        return hit[1], hit[2], hit[3]

    async def _open_pool(self):
        async with self._pool_lock:
            if self._pool is None:
                dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
                self._pool = await asyncpg.create_pool(dsn, min_size=1, max_size=self._pool_size,
                                                       timeout=self._timeout)
        return self._pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One use case = one transaction (committed on exit, rolled back on error). A database
        that cannot be reached, here or inside the block, raises Unavailable."""
        try:
            async with self.engine.begin() as conn:
                yield conn
        except Exception as exc:
            if unreachable(exc):
                raise _unavailable(exc) from exc
            raise

    def pool_usage(self) -> dict[str, tuple[int, int]]:
        """pool → (connections in use, connections open), for the metrics: `asyncpg` (the hot
        paths' statements, PostgreSQL only, once opened) and `sqlalchemy` (transactions)."""
        out = {}
        if self._pool is not None:
            size = self._pool.get_size()
            out["asyncpg"] = (size - self._pool.get_idle_size(), size)
        pool = self.engine.pool
        if hasattr(pool, "checkedout"):
            in_use = pool.checkedout()
            out["sqlalchemy"] = (in_use, in_use + pool.checkedin())
        return out

    async def dispose(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        await self.engine.dispose()


# Where a store function's statements run: the connection of the caller's transaction
# (`async with rt.db.transaction() as conn`), or the Database itself: then each statement goes
# through Database.run (atomic alone, or inside Database.atomic / held). Store functions a hot
# path shares with the transactional ones take either; the rest take a connection.
Executor = AsyncConnection | Database


def run(executor: Executor, stmt, params: dict | None = None) -> Awaitable[list[Record]]:
    """One statement on `executor`; its rows (none for a statement without RETURNING) are
    read alike whichever it is. Not a coroutine itself: the hot path awaits one frame less."""
    if isinstance(executor, Database):
        return executor.run(stmt, params)
    return _run_on(executor, stmt, params or {})


async def _run_on(conn: AsyncConnection, stmt, params: dict) -> list[Record]:
    result = await conn.execute(stmt, params)
    return [Record(r._mapping) for r in result.all()] if result.returns_rows else []


def on_sqlite(executor: Executor) -> bool:
    return executor.sqlite if isinstance(executor, Database) else executor.dialect.name == "sqlite"
