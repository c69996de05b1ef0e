"""The audit log: one row per security event, written in the transaction of the event."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .rows import new_row_id
from .tables import audit_events


async def insert_event(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(audit_events).values(id=new_row_id(), **values))


async def events_for_user(conn: AsyncConnection, user_id: str):
    q = select(audit_events).where(audit_events.c.user_id == user_id).order_by(audit_events.c.at)
    return (await conn.execute(q)).all()
