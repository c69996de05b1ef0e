"""Queries on authorization servers."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import authorization_servers


async def by_id(conn: AsyncConnection, server_id: str):
    q = select(authorization_servers).where(authorization_servers.c.id == server_id)
    return (await conn.execute(q)).first()
