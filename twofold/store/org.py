"""Bootstrap state: the org row and the signing keys."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import org, signing_keys


async def get_org(conn: AsyncConnection):
    return (await conn.execute(select(org).where(org.c.id == 1))).first()


async def insert_org(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(org).values(id=1, **values))


async def insert_signing_key(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(signing_keys).values(**values))


async def published_signing_keys(conn: AsyncConnection):
    q = select(signing_keys).where(signing_keys.c.status.in_(("active", "retired")))
    return (await conn.execute(q.order_by(signing_keys.c.created_at.desc()))).all()
