"""Queries on users, realms and the per-user MFA failure counter."""
from __future__ import annotations

from sqlalchemy import and_, case, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import realms, users


async def realm_by_name(conn: AsyncConnection, name: str):
    return (await conn.execute(select(realms).where(realms.c.name == name))).first()


async def insert_realm(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(realms).values(**values))


async def insert_user(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(users).values(**values))


async def by_id(conn: AsyncConnection, user_id: str):
    return (await conn.execute(select(users).where(users.c.id == user_id))).first()


async def by_login(conn: AsyncConnection, realm_id: str, login_key: str):
    q = select(users).where(users.c.realm_id == realm_id, users.c.login_key == login_key)
    return (await conn.execute(q)).first()


async def by_login_any_realm(conn: AsyncConnection, login_key: str):
    q = select(users).where(users.c.login_key == login_key).order_by(users.c.created_at)
    return (await conn.execute(q)).first()


async def record_login(conn: AsyncConnection, user_id: str, now: int, new_hash: str | None) -> None:
    values = {"last_login_at": now}
    if new_hash:
        values["password_hash"] = new_hash
    await conn.execute(update(users).where(users.c.id == user_id).values(**values))


async def reserve_mfa_attempt(
    conn: AsyncConnection, user_id: str, now: int, max_failures: int, cooldown_ms: int
) -> int | None:
    """Count an attempt *before* the code is evaluated, in one statement (R31).

    Returns the attempt number, or None while the user is locked: failures reached the limit
    and the last counted attempt is younger than the cooldown. After the cooldown the count
    starts again at 1. On PostgreSQL the row lock taken here also serialises every
    verification of this user until the transaction ends."""
    expired = users.c.mfa_last_attempt_at <= now - cooldown_ms
    stmt = (
        update(users)
        .where(
            users.c.id == user_id,
            or_(users.c.mfa_failures < max_failures, expired),
        )
        .values(
            mfa_failures=case(
                (and_(users.c.mfa_failures >= max_failures, expired), 1),
                else_=users.c.mfa_failures + 1,
            ),
            mfa_last_attempt_at=now,
        )
        .returning(users.c.mfa_failures)
    )
    row = (await conn.execute(stmt)).first()
    return None if row is None else row[0]


async def mfa_locked_until(conn: AsyncConnection, user_id: str, cooldown_ms: int) -> int:
    row = (await conn.execute(select(users.c.mfa_last_attempt_at).where(users.c.id == user_id))).first()
    return (row[0] or 0) + cooldown_ms if row else 0


async def reset_mfa_failures(conn: AsyncConnection, user_id: str) -> None:
    await conn.execute(update(users).where(users.c.id == user_id).values(mfa_failures=0))
