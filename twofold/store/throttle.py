"""Password failure counter, keyed by realm and login name (known or not).

A row holds the confirmed failures and the attempts in flight (taken, hash not yet judged).
An attempt takes a slot before its hash only while failures + live slots are under the limit,
so N parallel guesses never evaluate more than the limit (R31); only confirmed failures lock,
so parallel correct sign-ins are never refused, they wait for a slot (services.login). Every
change is one statement, atomic alone, and holds across processes sharing the database.

Slots are leased: each grant extends `in_flight_until` by LEASE_MS, and once it has passed
every slot counted is older than the lease, so the next grant drops them: a request that
died between its two statements does not keep its slot for ever."""
from __future__ import annotations

from sqlalchemy import and_, bindparam, case, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..observe import metrics
from .db import Executor, on_sqlite, run
from .tables import password_throttle as t

LEASE_MS = 30_000  # far longer than a hash takes, even on a loaded machine


def _lock_expired():
    """The failures reached the limit, and the cooldown has passed since the last one."""
    return and_(t.c.failures >= bindparam("max_failures"), t.c.last_attempt_at <= bindparam("cutoff"))


def _reserve_statement(insert):
    """Take a slot: one upsert that creates the row or counts the slot, granted (a row
    returned) while failures + live slots stay under the limit. A lock whose cooldown has
    passed starts again from zero; expired slots are dropped."""
    now = bindparam("at")
    failures = case((_lock_expired(), 0), else_=t.c.failures)
    in_flight = case((t.c.in_flight_until > now, t.c.in_flight), else_=0)
    return (
        insert(t)
        .values(key=bindparam("k"), failures=0, last_attempt_at=now, in_flight=1,
                in_flight_until=bindparam("until"))
        .on_conflict_do_update(
            index_elements=[t.c.key],
            set_={"failures": failures, "in_flight": in_flight + 1, "in_flight_until": bindparam("until")},
            where=failures + in_flight < bindparam("max_failures"),
        )
        .returning(t.c.in_flight)
    )


def _release(**values):
    """Give the slot back (never below zero: a slot dropped as expired may report late)."""
    return (update(t).where(t.c.key == bindparam("k"))
            .values(in_flight=case((t.c.in_flight > 0, t.c.in_flight - 1), else_=0), **values))


# Built once per dialect (the sign-in path runs them on every attempt).
_RESERVE = {"postgresql": _reserve_statement(pg_insert), "sqlite": _reserve_statement(sqlite_insert)}
_SUCCEEDED = _release(failures=0)  # R32: a success forgets the failures
_FAILED = _release(failures=case((_lock_expired(), 1), else_=t.c.failures + 1),
                   last_attempt_at=bindparam("at")).returning(t.c.failures)
_LOCKED = select(t.c.key).where(t.c.key == bindparam("k"), t.c.failures >= bindparam("max_failures"),
                                t.c.last_attempt_at > bindparam("cutoff"))
_CLEAR = update(t).where(t.c.key == bindparam("k")).values(failures=0)


def _params(key: str, now: int, max_failures: int, cooldown_ms: int) -> dict:
    return {"k": key, "at": now, "max_failures": max_failures, "cutoff": now - cooldown_ms, "until": now + LEASE_MS}


async def reserve(executor: Executor, key: str, now: int, max_failures: int, cooldown_ms: int) -> bool:
    """Take a slot for one attempt (one statement); False when the budget is full: locked, or
    taken by attempts in flight (`locked` tells which)."""
    stmt = _RESERVE["sqlite" if on_sqlite(executor) else "postgresql"]
    return bool(await run(executor, stmt, _params(key, now, max_failures, cooldown_ms)))


async def locked(executor: Executor, key: str, now: int, max_failures: int, cooldown_ms: int) -> bool:
    """Whether confirmed failures hold the lock (read only: it decides whether to wait for a
    slot or to refuse; the next `reserve` decides again, atomically)."""
    return bool(await run(executor, _LOCKED, _params(key, now, max_failures, cooldown_ms)))


# An attempt's verdict, one statement: its slot is given back, and a failure is counted or
# a success forgets the failures. The sign-in path runs them through the Database (each alone,
# or among a success's writes in Database.atomic), the console's sign-in in its transaction.

async def failed(executor: Executor, key: str, now: int, max_failures: int, cooldown_ms: int) -> None:
    rows = await run(executor, _FAILED, _params(key, now, max_failures, cooldown_ms))
    if rows and rows[0].failures == max_failures:  # this failure locked the login (once: slots cap the count)
        metrics.lockout("password")


async def succeeded(executor: Executor, key: str) -> None:
    await run(executor, _SUCCEEDED, {"k": key})


_RELEASED = _release()


async def released(executor: Executor, key: str) -> None:
    """No verdict (the attempt broke off on an unexpected error): the slot is given back at
    once rather than held until its lease ends."""
    await run(executor, _RELEASED, {"k": key})


async def clear(conn: AsyncConnection, key: str) -> None:
    """An administrator's unlock: the failures are forgotten, slots in flight stay counted."""
    await conn.execute(_CLEAR, {"k": key})
