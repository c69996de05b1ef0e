"""The console dashboard's figures, counted from the audit log in the database: one grouped
query per chart period, so a busy log (millions of rows) is summed by the database, never
read row by row into the process."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import audit_events as t


async def counts_by_bucket(conn: AsyncConnection, *, since: int, until: int, bucket_ms: int,
                           event_types: tuple[str, ...]) -> list[tuple[int, str, str, str | None, int]]:
    """(bucket index from `since`, event type, outcome, detail, rows) for the events of
    `event_types` in [since, until). `detail` is grouped as stored: the events counted here
    carry a short JSON detail of few distinct values (a factor kind, a channel)."""
    bucket = ((t.c.at - since) // bucket_ms).label("bucket")  # integer division on both backends
    q = (select(bucket, t.c.event_type, t.c.outcome, t.c.detail, func.count().label("n"))
         .where(t.c.at >= since, t.c.at < until, t.c.event_type.in_(event_types))
         .group_by(bucket, t.c.event_type, t.c.outcome, t.c.detail))
    return [tuple(r) for r in (await conn.execute(q)).all()]
