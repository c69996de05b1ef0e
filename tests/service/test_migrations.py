"""Every migration goes down and up again on both backends, and the tables then match the
schema the code declares (store/tables.py): an upgrade that forgets a column, or a downgrade
that cannot run, fails here."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from twofold.store.migrate import alembic_config
from twofold.store.settle import function_source
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


def _migration(name: str):
    versions = Path(alembic_config().get_main_option("script_location")) / "versions"
    spec = importlib.util.spec_from_file_location("twofold_migration_" + name[:4], versions / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_settle_function_installed_is_its_file_and_each_downgrade_restores_the_text_it_replaced(pg_rt):
    """PostgreSQL runs the text of store/sql/twofold_settle_otp.sql; below 0015 it runs 0013's
    (with two parameters fewer), below 0013 0012's
    (the file's text until 0013), below 0012 0009's (0003's with 0009's one condition; the same
    function body as 0012's), never nothing."""
    def body(source: str) -> str:
        return source.split("$fn$")[1]

    def installed(_, conn) -> str:
        return conn.exec_driver_sql("SELECT prosrc FROM pg_proc WHERE proname = 'twofold_settle_otp'").scalar_one()

    m0009 = _migration("0009_settle_active_user.py")
    text_of_0009 = m0009._function_of_0003().replace(m0009._LOCK, m0009._LOCK_ACTIVE)
    text_of_0012 = _migration("0013_settle_lockout_kind.py").TEXT_OF_0012
    text_of_0013 = _migration("0015_settle_sent_codes.py").TEXT_OF_0013
    assert body(text_of_0012) != body(function_source())  # 0012 moved 0009's text into the file unchanged
    assert body(text_of_0013) not in (body(function_source()), body(text_of_0012))

    # One function, never an overload beside it (0015 changed the signature: scalar_one below).
    assert await _alembic(pg_rt, installed) == body(function_source())
    await _alembic(pg_rt, lambda cfg, _: command.downgrade(cfg, "0014"))
    assert await _alembic(pg_rt, installed) == body(text_of_0013)
    await _alembic(pg_rt, lambda cfg, _: command.downgrade(cfg, "0012"))
    assert await _alembic(pg_rt, installed) == body(text_of_0012)
    await _alembic(pg_rt, lambda cfg, _: command.downgrade(cfg, "0011"))
    assert await _alembic(pg_rt, installed) == body(text_of_0009)
    await _alembic(pg_rt, lambda cfg, _: command.upgrade(cfg, "head"))
    assert await _alembic(pg_rt, installed) == body(function_source())
