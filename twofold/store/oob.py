"""Challenges of codes sent by SMS, voice and email (tables.oob_challenges). Spending one is a
compare-and-set, so of many parallel submissions of one code one succeeds (R1), also across
processes; nothing is read, checked and then written."""
from __future__ import annotations

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Executor, run
from .tables import factors
from .tables import oob_challenges as t

# Built once (a send's statements run on the hot lane's prepared statements, store.db.run).
_INSERT = t.insert().values(**{c.name: bindparam(c.name) for c in t.c if c.name != "used_at"})
_LATEST = select(t).where(t.c.factor_id == bindparam("factor")).order_by(t.c.created_at.desc(), t.c.id.desc()).limit(1)
# A sent code's spend on the hot path (store.settle's SQLite steps; the stored function has
# the same statement): the factor must still be the user's and ACTIVE.
_SPEND_FOR_ACTIVE = update(t).where(
    t.c.id == bindparam("challenge"), t.c.factor_id == bindparam("factor"), t.c.used_at.is_(None),
    t.c.expires_at > bindparam("now"),
    exists().where(factors.c.id == bindparam("factor"), factors.c.user_id == bindparam("owner"),
                   factors.c.status == "ACTIVE"),
).values(used_at=bindparam("now"))


async def insert_challenge(executor: Executor, **values) -> None:
    await run(executor, _INSERT, values)


async def by_oob_code(conn: AsyncConnection, oob_code_hash: bytes):
    return (await conn.execute(select(t).where(t.c.oob_code_hash == oob_code_hash))).first()


async def by_id(conn: AsyncConnection, challenge_id: str):
    return (await conn.execute(select(t).where(t.c.id == challenge_id))).first()


async def latest_for_factor(executor: Executor, factor_id: str):
    """The factor's newest challenge: Okta's Factors API judges a passCode against the last code
    sent only, so sending a code is all it takes for the earlier ones to stop working (a send
    whose delivery failed is forgotten, and the one before is the newest again)."""
    rows = await run(executor, _LATEST, {"factor": factor_id})
    return rows[0] if rows else None


async def spend(conn: AsyncConnection, challenge_id: str, now: int) -> bool:
    """Single use: one compare-and-set, only while unspent and alive (R1, R20)."""
    result = await conn.execute(update(t).where(t.c.id == challenge_id, t.c.used_at.is_(None),
                                                t.c.expires_at > now).values(used_at=now))
    return result.rowcount == 1


async def spend_for_active(conn: AsyncConnection, challenge_id: str, factor_id: str, user_id: str, now: int) -> bool:
    params = {"challenge": challenge_id, "factor": factor_id, "owner": user_id, "now": now}
    return (await conn.execute(_SPEND_FOR_ACTIVE, params)).rowcount == 1


async def forget(conn: AsyncConnection, challenge_id: str) -> None:
    """A challenge whose code never left (delivery failed): nothing can answer it."""
    await conn.execute(delete(t).where(t.c.id == challenge_id))


async def purge_expired(conn: AsyncConnection, before: int) -> None:
    await conn.execute(delete(t).where(t.c.expires_at < before))
