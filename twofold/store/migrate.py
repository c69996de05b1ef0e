"""Run Alembic migrations to head, safely when several processes start at once."""
from __future__ import annotations

import fcntl
import functools
import os
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

HERE = Path(__file__).parent
_PG_LOCK_KEY = 0x74776F666F6C64  # "twofold"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    return cfg


@contextmanager
def _file_lock(path: Path):
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a") as fh:  # beside the 0600 database
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


async def upgrade_to_head(engine) -> None:
    def _run(sync_conn):
        cfg = alembic_config()
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, "head")

    if engine.dialect.name == "sqlite":
        db_path = make_url(str(engine.url)).database or ""
        lock = Path(db_path + ".migrate.lock") if db_path and db_path != ":memory:" else None
        if lock is None:
            async with engine.connect() as conn:
                await conn.run_sync(_run)
                await conn.commit()
            return
        with _file_lock(lock):
            async with engine.connect() as conn:
                await conn.run_sync(_run)
                await conn.commit()
        return
    async with engine.connect() as conn:
        # Session-level advisory lock: one process migrates, the others wait and find head.
        await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
        try:
            await conn.run_sync(_run)
            await conn.commit()
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
            await conn.commit()


# --- where the schema stands (the readiness check, twofold.observe.health) --------------------

PING = text("SELECT 1")
_VERSION = text("SELECT version_num FROM alembic_version")


@functools.cache
def revisions() -> tuple[str, frozenset[str]]:
    """(the head revision of this release's migrations, every revision they know)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return scripts.get_current_head(), frozenset(r.revision for r in scripts.walk_revisions())


async def schema_revisions(db) -> set[str]:
    """The revisions the database records (one, at head, once `upgrade_to_head` has run); raises
    when it has no version table."""
    return {row.version_num for row in await db.run(_VERSION)}
