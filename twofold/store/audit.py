"""The audit log: one row per security event, written in the transaction of the event."""
from __future__ import annotations

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .rows import new_row_id
from .tables import audit_events


_COLUMNS = ("at", "event_type", "outcome", "reason", "user_id", "client_id", "factor_id", "ip", "user_agent", "detail")
# Built once: statement objects memoise their cache key, so executing costs no compilation (hot path).
_INSERT = insert(audit_events).values(id=bindparam("id"), **{c: bindparam(c) for c in _COLUMNS})


async def insert_event(conn: AsyncConnection, **values) -> None:
    await conn.execute(_INSERT, {"id": new_row_id(), **{c: values.get(c) for c in _COLUMNS}})


async def insert_event_now(db, **values) -> None:
    await db.run(_INSERT, {"id": new_row_id(), **{c: values.get(c) for c in _COLUMNS}})


async def events_for_user(conn: AsyncConnection, user_id: str):
    q = select(audit_events).where(audit_events.c.user_id == user_id).order_by(audit_events.c.at)
    return (await conn.execute(q)).all()
