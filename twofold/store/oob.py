"""Challenges of codes sent by SMS, voice and email (tables.oob_challenges). Spending one is a
compare-and-set, so of many parallel submissions of one code one succeeds (R1), also across
processes; nothing is read, checked and then written."""
from __future__ import annotations

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Executor, run
from .tables import oob_challenges as t

# Built once (a send's statements run on the hot lane's prepared statements, store.db.run).
_INSERT = t.insert().values(**{c.name: bindparam(c.name) for c in t.c if c.name != "used_at"})
_SUPERSEDE = update(t).where(t.c.factor_id == bindparam("factor"), t.c.id != bindparam("keep"), t.c.used_at.is_(None),
                             t.c.expires_at > bindparam("at")).values(expires_at=bindparam("until"))


async def insert_challenge(executor: Executor, **values) -> None:
    await run(executor, _INSERT, values)


async def by_oob_code(conn: AsyncConnection, oob_code_hash: bytes):
    return (await conn.execute(select(t).where(t.c.oob_code_hash == oob_code_hash))).first()


async def by_id(conn: AsyncConnection, challenge_id: str):
    return (await conn.execute(select(t).where(t.c.id == challenge_id))).first()


async def latest_for_factor(conn: AsyncConnection, factor_id: str):
    """The factor's newest challenge (Okta's Factors API checks a passCode against the last
    code sent; earlier ones were superseded when it was sent)."""
    return (await conn.execute(select(t).where(t.c.factor_id == factor_id)
                               .order_by(t.c.created_at.desc(), t.c.id.desc()).limit(1))).first()


async def spend(conn: AsyncConnection, challenge_id: str, now: int) -> bool:
    """Single use: one compare-and-set, only while unspent and alive (R1, R20)."""
    result = await conn.execute(update(t).where(t.c.id == challenge_id, t.c.used_at.is_(None),
                                                t.c.expires_at > now).values(used_at=now))
    return result.rowcount == 1


async def supersede(executor: Executor, factor_id: str, keep_id: str, now: int) -> None:
    """A new code was sent for the factor: its earlier unspent codes stop working."""
    await run(executor, _SUPERSEDE, {"factor": factor_id, "keep": keep_id, "at": now, "until": now})


async def forget(conn: AsyncConnection, challenge_id: str) -> None:
    """A challenge whose code never left (delivery failed): nothing can answer it."""
    await conn.execute(delete(t).where(t.c.id == challenge_id))


async def purge_expired(conn: AsyncConnection, before: int) -> None:
    await conn.execute(delete(t).where(t.c.expires_at < before))
