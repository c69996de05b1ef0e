"""A consistent copy of the embedded SQLite database while the server runs, with SQLite's
online backup API (pages copied under SQLite's own locking; the write-ahead log included).
PostgreSQL is backed up with its own tools (pg_dump)."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupRefused(Exception):
    pass


def sqlite_path(database_url: str) -> Path | None:
    """The file of a sqlite:/// URL; None for any other database."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        return None
    if not url.database or url.database == ":memory:":
        raise BackupRefused("an in-memory SQLite database has no file to back up")
    return Path(url.database)


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy `source` to `target` (created 0600, never overwritten); returns its pages."""
    if not source.exists():
        raise BackupRefused(f"there is no database at {source}")
    if target.exists():
        raise BackupRefused(f"{target} exists; choose a new file (a backup never overwrites one)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    # The copy holds password hashes and sealed secrets: private before the first page lands.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=1024)
            pages = dst.execute("PRAGMA page_count").fetchone()[0]
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    os.replace(partial, target)
    return pages
