"""Queries on OAuth clients."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import clients


async def insert_client(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(clients).values(**values))


async def by_id(conn: AsyncConnection, client_id: str):
    return (await conn.execute(select(clients).where(clients.c.client_id == client_id))).first()
