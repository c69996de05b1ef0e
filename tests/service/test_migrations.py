"""Every migration goes down and up again on both backends, and the tables then match the
schema the code declares (store/tables.py): an upgrade that forgets a column, or a downgrade
that cannot run, fails here."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from twofold.store.migrate import alembic_config
from twofold.store.tables import metadata


async def _alembic(rt, fn) -> object:
    async with rt.db.engine.connect() as conn:
        def run(sync_conn):
            cfg = alembic_config()
            cfg.attributes["connection"] = sync_conn
            return fn(cfg, sync_conn)

        result = await conn.run_sync(run)
        await conn.commit()
    return result


async def test_down_to_the_first_revision_and_up_again_leaves_the_declared_schema(rt):
    await _alembic(rt, lambda cfg, _: command.downgrade(cfg, "0001"))
    tables = await _alembic(rt, lambda _, c: set(inspect(c).get_table_names()))
    assert "users" in tables and not tables & {"admin_roles", "console_sessions", "server_scopes", "authenticators"}
    await _alembic(rt, lambda cfg, _: command.upgrade(cfg, "head"))
    diff = await _alembic(rt, lambda _, c: compare_metadata(MigrationContext.configure(c), metadata))
    # Server defaults and types are compared loosely by Alembic across backends; tables,
    # columns and indexes must match exactly.
    structural = [d for d in diff if isinstance(d, tuple) and d[0] in (
        "add_table", "remove_table", "add_column", "remove_column", "add_index", "remove_index")]
    assert structural == [], structural
