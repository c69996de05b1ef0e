"""Password failure counter, keyed by realm and login name (known or not)."""
from __future__ import annotations

from sqlalchemy import and_, case, delete, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import password_throttle as t


async def reserve(conn: AsyncConnection, key: str, now: int, max_failures: int, cooldown_ms: int) -> bool:
    """Count one password attempt before checking it; False while locked. Same state machine
    as the MFA counter (store.users.reserve_mfa_attempt)."""
    stmt = _reserve_stmt(key, now, max_failures, cooldown_ms)
    if (await conn.execute(stmt)).first() is not None:
        return True
    try:
        async with conn.begin_nested():
            await conn.execute(insert(t).values(key=key, failures=1, last_attempt_at=now))
        return True
    except IntegrityError:
        # Another request created the row first: count against it.
        return (await conn.execute(stmt)).first() is not None


def _reserve_stmt(key: str, now: int, max_failures: int, cooldown_ms: int):
    expired = t.c.last_attempt_at <= now - cooldown_ms
    return (
        update(t)
        .where(t.c.key == key, or_(t.c.failures < max_failures, expired))
        .values(
            failures=case((and_(t.c.failures >= max_failures, expired), 1), else_=t.c.failures + 1),
            last_attempt_at=now,
        )
        .returning(t.c.failures)
    )


async def clear(conn: AsyncConnection, key: str) -> None:
    await conn.execute(delete(t).where(t.c.key == key))
