"""Password failure counter, keyed by realm and login name (known or not)."""
from __future__ import annotations

from sqlalchemy import and_, bindparam, case, delete, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import password_throttle as t


def _reserve_statement(insert):
    """Count one password attempt before checking it; no row returned while locked. Same
    state machine as the MFA counter, as one upsert: the row is created or counted in a single
    statement, so racing requests never see a half-made counter."""
    now, max_failures = bindparam("at"), bindparam("max_failures")
    expired = t.c.last_attempt_at <= bindparam("cutoff")
    return (
        insert(t)
        .values(key=bindparam("k"), failures=1, last_attempt_at=now)
        .on_conflict_do_update(
            index_elements=[t.c.key],
            set_={
                "failures": case((and_(t.c.failures >= max_failures, expired), 1), else_=t.c.failures + 1),
                "last_attempt_at": now,
            },
            where=or_(t.c.failures < max_failures, expired),
        )
        .returning(t.c.failures)
    )


# Built once per dialect (the sign-in path runs them on every attempt).
_RESERVE = {"postgresql": _reserve_statement(pg_insert), "sqlite": _reserve_statement(sqlite_insert)}
_CLEAR = delete(t).where(t.c.key == bindparam("k"))
# A success zeroes the row rather than deleting it: the next sign-in's upsert then updates it in
# place (a HOT update) instead of inserting a row and its index entry again.
_RESET = update(t).where(t.c.key == bindparam("k"), t.c.failures != 0).values(failures=0)


def _params(key: str, now: int, max_failures: int, cooldown_ms: int) -> dict:
    return {"k": key, "at": now, "max_failures": max_failures, "cutoff": now - cooldown_ms}


async def reserve(conn: AsyncConnection, key: str, now: int, max_failures: int, cooldown_ms: int) -> bool:
    """False while locked."""
    stmt = _RESERVE[conn.dialect.name]
    return (await conn.execute(stmt, _params(key, now, max_failures, cooldown_ms))).first() is not None


async def reserve_now(db, key: str, now: int, max_failures: int, cooldown_ms: int) -> bool:
    """`reserve` as a statement of its own (it is atomic alone)."""
    stmt = _RESERVE["sqlite" if db.sqlite else "postgresql"]
    return bool(await db.run(stmt, _params(key, now, max_failures, cooldown_ms)))


async def clear(conn: AsyncConnection, key: str) -> None:
    await conn.execute(_CLEAR, {"k": key})


async def reset_now(db, key: str) -> None:
    await db.run(_RESET, {"k": key})
