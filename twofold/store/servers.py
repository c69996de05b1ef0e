"""Queries on authorization servers."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import authorization_servers


async def by_id(conn: AsyncConnection, server_id: str):
    q = select(authorization_servers).where(authorization_servers.c.id == server_id)
    return (await conn.execute(q)).first()


async def all_servers(conn: AsyncConnection):
    q = select(authorization_servers).order_by(authorization_servers.c.created_at, authorization_servers.c.id)
    return (await conn.execute(q)).all()


async def insert_server(conn: AsyncConnection, **values) -> None:
    await conn.execute(authorization_servers.insert().values(**values))


async def update_server(conn: AsyncConnection, server_id: str, **values) -> None:
    await conn.execute(authorization_servers.update().where(authorization_servers.c.id == server_id).values(**values))


async def delete_server(conn: AsyncConnection, server_id: str) -> None:
    await conn.execute(authorization_servers.delete().where(authorization_servers.c.id == server_id))
