"""A downgrade never loses rows it does not own: on SQLite a table rebuild of `users` would
cascade (ON DELETE CASCADE, foreign keys on) into every user's factors. Found by review: 0010's
downgrade rebuilt `users` and deleted every factor (R70: all-or-nothing, no silent loss)."""
from __future__ import annotations

from alembic import command
from sqlalchemy import text

from twofold import authenticators
from twofold.services import factors

from .test_migrations import _alembic


async def _count(rt, table: str) -> int:
    async with rt.db.engine.connect() as conn:
        return (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


async def test_downgrading_the_latest_migrations_keeps_every_users_factors(rt, user):
    await factors.enroll_factor(rt, user.id, authenticators.get("totp"), "GOOGLE", {}, None)
    before = (await _count(rt, "users"), await _count(rt, "factors"))
    assert before[1] == 1
    await _alembic(rt, lambda cfg, _: command.downgrade(cfg, "0009"))
    assert (await _count(rt, "users"), await _count(rt, "factors")) == before
    await _alembic(rt, lambda cfg, _: command.upgrade(cfg, "head"))
    assert (await _count(rt, "users"), await _count(rt, "factors")) == before
