"""Password failure counter, keyed by realm and login name (known or not)."""
from __future__ import annotations

from sqlalchemy import and_, case, delete, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import password_throttle as t


async def reserve(conn: AsyncConnection, key: str, now: int, max_failures: int, cooldown_ms: int) -> bool:
    """Count one password attempt before checking it; False while locked. Same state machine
    as the MFA counter (store.users.reserve_mfa_attempt), as one upsert: the row is created or
    counted in a single statement, so racing requests never see a half-made counter."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    expired = t.c.last_attempt_at <= now - cooldown_ms
    stmt = (
        insert(t)
        .values(key=key, failures=1, last_attempt_at=now)
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
    return (await conn.execute(stmt)).first() is not None


async def clear(conn: AsyncConnection, key: str) -> None:
    await conn.execute(delete(t).where(t.c.key == key))
