"""Queries on OAuth clients."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import clients


async def insert_client(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(clients).values(**values))


async def by_id(conn: AsyncConnection, client_id: str):
    return (await conn.execute(select(clients).where(clients.c.client_id == client_id))).first()


async def all_clients(conn: AsyncConnection):
    return (await conn.execute(select(clients).order_by(clients.c.created_at, clients.c.client_id))).all()


async def update_client(conn: AsyncConnection, client_id: str, **values) -> bool:
    stmt = clients.update().where(clients.c.client_id == client_id).values(**values)
    return (await conn.execute(stmt)).rowcount == 1


async def delete_client(conn: AsyncConnection, client_id: str) -> bool:
    return (await conn.execute(clients.delete().where(clients.c.client_id == client_id,
                                                      clients.c.status == "INACTIVE"))).rowcount == 1
