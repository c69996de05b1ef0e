"""The development provider (the default): a message is kept in the database for as long as
its code lives, for the console's Outbox page and `twofold outbox list`, so a flow can be
finished on a laptop with no SMS gateway or mail server. Not for production: the code is
readable there by anyone who can read the database or is an administrator."""
from __future__ import annotations

from sqlalchemy import delete, select

from ..domain import ids
from ..store.tables import outbox_messages as t
from . import Message


class Outbox:
    name = "outbox"

    def __init__(self, db, clock) -> None:
        self._db, self._clock = db, clock

    async def send(self, message: Message) -> None:
        now = self._clock.now_ms()
        async with self._db.transaction() as conn:
            await conn.execute(delete(t).where(t.c.expires_at < now))
            await conn.execute(t.insert().values(
                id=ids.random_base62(24), channel=message.channel, recipient=message.to, subject=message.subject,
                body=message.text, html=message.html, created_at=now, expires_at=message.expires_at or now))


async def messages(db, now_ms: int, *, recipient: str | None = None, limit: int = 100) -> list:
    """The messages whose code still lives, newest first (optionally to one recipient)."""
    query = select(t).where(t.c.expires_at >= now_ms)
    if recipient is not None:
        query = query.where(t.c.recipient == recipient)
    async with db.transaction() as conn:
        return list((await conn.execute(query.order_by(t.c.created_at.desc(), t.c.id).limit(limit))).all())
