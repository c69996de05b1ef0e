"""Bootstrap state: the org row and the signing keys."""
from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import org, signing_keys


async def get_org(conn: AsyncConnection):
    return (await conn.execute(select(org).where(org.c.id == 1))).first()


async def insert_org(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(org).values(id=1, **values))


async def set_master_key_ids(conn: AsyncConnection, key_ids: list[str]) -> None:
    """The master keys that may have sealed something here (checked at start-up)."""
    await conn.execute(update(org).where(org.c.id == 1).values(master_key_ids=",".join(sorted(key_ids))))


async def insert_signing_key(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(signing_keys).values(**values))


async def signing_key_rows(conn: AsyncConnection):
    """Every signing key, oldest activation first."""
    q = select(signing_keys).order_by(signing_keys.c.activates_at, signing_keys.c.created_at)
    return (await conn.execute(q)).all()


async def signing_key_times(conn: AsyncConnection):
    """(kid, activates_at) of every key: what a process compares to see a rotation."""
    q = select(signing_keys.c.kid, signing_keys.c.activates_at).order_by(signing_keys.c.kid)
    return (await conn.execute(q)).all()


async def set_activation(conn: AsyncConnection, kid: str, activates_at: int) -> None:
    await conn.execute(update(signing_keys).where(signing_keys.c.kid == kid).values(activates_at=activates_at))


async def delete_signing_keys(conn: AsyncConnection, kids: list[str]) -> None:
    if kids:
        await conn.execute(delete(signing_keys).where(signing_keys.c.kid.in_(kids)))
