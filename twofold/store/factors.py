"""Queries on factors. Single use is enforced here with compare-and-set updates."""
from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Executor, run
from .tables import factors


async def insert_factor(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(factors).values(**values))


async def for_user(executor: Executor, user_id: str, *, types: tuple[str, ...] | None = None,
                   statuses: tuple[str, ...] | None = None) -> list:
    rows = await run(executor, _FOR_USER, {"user_id": user_id})  # a user has a handful
    if not types and not statuses:
        return rows
    return [r for r in rows if (not types or r.type in types) and (not statuses or r.status in statuses)]


_BY_ID = select(factors).where(factors.c.id == bindparam("factor_id"))


async def by_id(executor: Executor, factor_id: str):
    """The factor or None (the hot path reads it outside any transaction, judges it, then
    settles)."""
    rows = await run(executor, _BY_ID, {"factor_id": factor_id})
    return rows[0] if rows else None


async def by_device_id(conn: AsyncConnection, user_id: str, device_id: str):
    q = select(factors).where(factors.c.user_id == user_id, factors.c.device_id == device_id)
    return (await conn.execute(q)).first()


async def delete_pending(conn: AsyncConnection, user_id: str, type_: str, provider: str | None = None) -> None:
    """The user's unconfirmed factors of a type (of one provider, or of any)."""
    where = [factors.c.user_id == user_id, factors.c.type == type_, factors.c.status == "PENDING_ACTIVATION"]
    if provider is not None:
        where.append(factors.c.provider == provider)
    await conn.execute(delete(factors).where(*where))


async def delete_factor(conn: AsyncConnection, factor_id: str) -> bool:
    return (await conn.execute(delete(factors).where(factors.c.id == factor_id))).rowcount == 1


async def delete_of_type(conn: AsyncConnection, user_id: str, type_: str) -> None:
    await conn.execute(delete(factors).where(factors.c.user_id == user_id, factors.c.type == type_))


_FOR_USER = (select(factors).where(factors.c.user_id == bindparam("user_id"))
             .order_by(factors.c.created_at, factors.c.id))


_CLAIM_ACTIVE = (
    update(factors)
    .where(
        factors.c.id == bindparam("factor_id"), factors.c.user_id == bindparam("owner_id"),
        factors.c.status == "ACTIVE",
        or_(factors.c.last_used_step.is_(None), factors.c.last_used_step < bindparam("step")),
    )
    .values(last_used_step=bindparam("step"), last_updated_at=bindparam("now"))
)


async def claim_active_step(conn: AsyncConnection, user_id: str, factor_id: str, step: int, now: int) -> bool:
    """RFC 6238 §5.2 / R1, R2: accept a step only if it is later than the last accepted one, for
    a factor that must still be the user's and ACTIVE. One conditional UPDATE, so of N parallel
    identical submissions exactly one wins."""
    params = {"factor_id": factor_id, "owner_id": user_id, "step": step, "now": now}
    return (await conn.execute(_CLAIM_ACTIVE, params)).rowcount == 1


_CLAIM_PENDING = (
    update(factors)
    .where(
        factors.c.id == bindparam("factor_id"), factors.c.status == "PENDING_ACTIVATION",
        factors.c.activation_expires_at > bindparam("now"),
        or_(factors.c.last_used_step.is_(None), factors.c.last_used_step < bindparam("step")),
    )
    .values(last_used_step=bindparam("step"), status="ACTIVE", last_updated_at=bindparam("now"))
)


async def claim_pending_step(conn: AsyncConnection, factor_id: str, step: int, now: int) -> bool:
    """A pending factor's first code confirms it (R37), once: the row must still be pending and
    unexpired as the statement runs, so two parallel confirmations activate it once."""
    return (await conn.execute(_CLAIM_PENDING, {"factor_id": factor_id, "step": step, "now": now})).rowcount == 1


_CONFIRM_PENDING = (
    update(factors)
    .where(factors.c.id == bindparam("factor_id"), factors.c.status == "PENDING_ACTIVATION",
           factors.c.activation_expires_at > bindparam("now"))
    .values(status="ACTIVE", last_updated_at=bindparam("now"))
)


async def confirm_pending(conn: AsyncConnection, factor_id: str, now: int) -> bool:
    """A pending factor confirmed by a spent challenge (R37), once: still pending and unexpired
    as the statement runs."""
    return (await conn.execute(_CONFIRM_PENDING, {"factor_id": factor_id, "now": now})).rowcount == 1


async def mark_activated(conn: AsyncConnection, factor_id: str, now: int) -> None:
    await conn.execute(
        update(factors).where(factors.c.id == factor_id, factors.c.activated_at.is_(None))
        .values(activated_at=now)
    )


async def activate_pending_of_type(conn: AsyncConnection, user_id: str, type_: str, now: int) -> None:
    await conn.execute(
        update(factors)
        .where(factors.c.user_id == user_id, factors.c.type == type_, factors.c.status == "PENDING_ACTIVATION")
        .values(status="ACTIVE", activated_at=now, last_updated_at=now)
    )


async def swap_secret_hash(conn: AsyncConnection, factor_id: str, old: bytes, new: bytes, now: int) -> bool:
    """Consume a look-up secret and store its replacement in one statement (R13, R17)."""
    stmt = (
        update(factors)
        .where(factors.c.id == factor_id, factors.c.status == "ACTIVE", factors.c.secret_hash == old)
        .values(secret_hash=new, last_updated_at=now)
    )
    return (await conn.execute(stmt)).rowcount == 1
