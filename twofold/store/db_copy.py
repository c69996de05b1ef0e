"""`twofold db copy`: move an embedded SQLite database into a new, empty PostgreSQL database.

Rows are copied as they are (sealed secrets stay sealed under the same master key, hashes stay
hashes, counters, last used steps, spent codes and the audit log keep their values), every table
in foreign-key order in one PostgreSQL transaction: a failure or a refusal leaves no row behind.
The source is only read."""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from .db import async_url, create_engine
from .migrate import alembic_config, upgrade_to_head

VERSION_TABLE = "alembic_version"
# Rows the migrations themselves insert (0002, 0004, 0005, 0007, 0014): an empty target has
# these; they are replaced by the source's own (which may have been edited since).
SEEDED_BY_MIGRATIONS = frozenset({
    "authorization_servers", "authenticators", "policies", "server_policies", "server_policy_rules",
    "server_scopes",
})
BATCH = 1000


class CopyRefused(Exception):
    """Why nothing was copied, in a sentence for the operator."""


@dataclass
class CopyResult:
    source: str  # the SQLite file
    target: str  # the PostgreSQL URL, without its password
    revision: str
    counts: list[tuple[str, int]]  # (table, rows) in the order they were copied


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def shown_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


async def copy_sqlite_to_postgres(source_url: str, target_url: str) -> CopyResult:
    source_path = _sqlite_path(source_url)
    if make_url(async_url(target_url)).drivername != "postgresql+asyncpg":
        raise CopyRefused("--to must be a postgresql:// URL (the database to copy into)")
    head = head_revision()
    with _open_source(source_path) as src:
        _check_source_at_head(src, source_path, head)
        source_columns = _source_columns(src)
        await _check_target_before_migrating(target_url)
        engine = create_engine(target_url, pool_size=1)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()
        counts = await _copy(src, source_columns, target_url)
    return CopyResult(source=source_path, target=shown_url(target_url), revision=head, counts=counts)


# --- the source: an SQLite file, read in one snapshot -----------------------------------------

def _sqlite_path(url: str) -> str:
    u = make_url(url)
    if not u.drivername.startswith("sqlite"):
        raise CopyRefused(f"the configured database ({shown_url(url)}) is not SQLite: `db copy` moves the embedded "
                          "SQLite database (TWOFOLD_DATABASE_URL, or the file in TWOFOLD_DATA_DIR) to PostgreSQL")
    path = u.database or ""
    if not path or path == ":memory:" or not os.path.isfile(path):
        raise CopyRefused(f"there is no SQLite database at {path or '(none)'}: set TWOFOLD_DATA_DIR or "
                          "TWOFOLD_DATABASE_URL as the server that uses it does")
    return os.path.abspath(path)


@contextmanager
def _open_source(path: str) -> Iterator[sqlite3.Connection]:
    """The source in one read transaction: every table is read from the same snapshot."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")  # deferred: a snapshot for reading, no write lock
        yield conn
    finally:
        conn.close()  # ends the read transaction


def _check_source_at_head(src: sqlite3.Connection, path: str, head: str) -> None:
    try:
        rows = src.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()
    except sqlite3.DatabaseError:
        rows = None
    if not rows:
        raise CopyRefused(f"{path} is not a twofold database (it has no schema version)")
    revision = rows[0][0]
    if revision == head:
        return
    if revision in _known_revisions():
        raise CopyRefused(f"{path} is at schema revision {revision}, not the latest ({head}): run `twofold migrate` "
                          "with the same TWOFOLD_* settings first, then copy")
    raise CopyRefused(f"{path} is at schema revision {revision}, which this twofold does not know (a newer "
                      "version made it): copy with that version")


def _source_columns(src: sqlite3.Connection) -> dict[str, set[str]]:
    names = [n for (n,) in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
             if not n.startswith("sqlite_") and n != VERSION_TABLE]
    return {n: {row[1] for row in src.execute(f'PRAGMA table_info("{n}")')} for n in names}


# --- the target: a PostgreSQL database that holds nothing yet ---------------------------------

async def _connect(target_url: str):
    import asyncpg

    dsn = make_url(async_url(target_url)).set(drivername="postgresql").render_as_string(hide_password=False)
    return await asyncpg.connect(dsn, timeout=10)


async def _tables(conn) -> list[str]:
    rows = await conn.fetch("SELECT table_name FROM information_schema.tables "
                            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
    return [r["table_name"] for r in rows]


async def _holding_rows(conn, tables) -> list[str]:
    """Tables (other than the ones the migrations fill) that hold a row."""
    found = []
    for name in sorted(tables):
        if name != VERSION_TABLE and name not in SEEDED_BY_MIGRATIONS and \
                await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{name}")'):
            found.append(name)
    return found


def _not_empty(tables: list[str]) -> CopyRefused:
    return CopyRefused("the target database is not empty (rows in " + ", ".join(tables) + "): `db copy` writes "
                       "only into a new database (createdb) or one that `twofold migrate` alone has touched; "
                       "nothing was written")


async def _check_target_before_migrating(target_url: str) -> None:
    """Refused before the migration touches it: another application's database, or one that
    twofold data already lives in."""
    conn = await _connect(target_url)
    try:
        tables = await _tables(conn)
        if tables and VERSION_TABLE not in tables:
            raise CopyRefused("the target database has tables that are not twofold's (" + ", ".join(sorted(tables)[:5])
                              + "): copy into a new database (createdb); nothing was written")
        holding = await _holding_rows(conn, tables)
        if holding:
            raise _not_empty(holding)
        if tables:
            revision = await conn.fetchval(f"SELECT version_num FROM {VERSION_TABLE}")
            if revision is not None and revision not in _known_revisions():
                raise CopyRefused(f"the target database is at schema revision {revision}, which this twofold does "
                                  "not know (a newer version made it); nothing was written")
    finally:
        await conn.close()


async def _foreign_key_order(conn, tables: list[str]) -> list[str]:
    """Referenced tables before the tables that refer to them."""
    edges = await conn.fetch(
        "SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent FROM pg_constraint c "
        "JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = current_schema()")
    graph: dict[str, set[str]] = {t: set() for t in sorted(tables)}
    for e in edges:
        child, parent = e["child"].strip('"'), e["parent"].strip('"')
        if child in graph and parent in graph and child != parent:
            graph[child].add(parent)
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # no such schema today; a deferred-constraint copy would be needed
        raise CopyRefused(f"the schema's foreign keys form a cycle ({exc.args[1]})") from None


async def _target_columns(conn) -> dict[str, dict[str, str]]:
    rows = await conn.fetch("SELECT table_name, column_name, data_type FROM information_schema.columns "
                            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position")
    out: dict[str, dict[str, str]] = {}
    for r in rows:
        out.setdefault(r["table_name"], {})[r["column_name"]] = r["data_type"]
    out.pop(VERSION_TABLE, None)
    return out


def _check_same_schema(source: dict[str, set[str]], target: dict[str, dict[str, str]]) -> None:
    if set(source) != set(target):
        only_source, only_target = sorted(set(source) - set(target)), sorted(set(target) - set(source))
        raise CopyRefused(f"the two databases have different tables (only in the source: {only_source}, "
                          f"only in the target: {only_target})")
    for name, columns in source.items():
        if columns != set(target[name]):
            raise CopyRefused(f"table {name} has different columns in the two databases: "
                              f"{sorted(columns ^ set(target[name]))}")


def _converter(data_type: str):
    if data_type == "boolean":  # SQLite keeps 0/1
        return lambda v: None if v is None else bool(v)
    if data_type == "bytea":
        return lambda v: None if v is None else bytes(v)
    return None


async def _copy(src: sqlite3.Connection, source_columns: dict[str, set[str]], target_url: str) -> list[tuple[str, int]]:
    conn = await _connect(target_url)
    try:
        target_columns = await _target_columns(conn)
        _check_same_schema(source_columns, target_columns)
        order = await _foreign_key_order(conn, list(target_columns))
        async with conn.transaction():
            # Nothing else may write while we check and fill: a server started on the target
            # now waits for the commit, then finds the copied org and starts on it.
            await conn.execute("LOCK TABLE " + ", ".join(f'"{t}"' for t in order) + " IN ACCESS EXCLUSIVE MODE")
            holding = await _holding_rows(conn, order)
            if holding:
                raise _not_empty(holding)
            await conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in order))  # the migrations' seed rows
            counts = [(t, await _copy_table(src, conn, t, target_columns[t])) for t in order]
            await _advance_sequences(conn)
    finally:
        await conn.close()
    return counts


async def _copy_table(src: sqlite3.Connection, conn, table: str, columns: dict[str, str]) -> int:
    names = list(columns)
    converters = [(i, c) for i, c in enumerate(_converter(columns[n]) for n in names) if c is not None]
    cursor = src.execute("SELECT " + ", ".join(f'"{n}"' for n in names) + f' FROM "{table}"')
    copied = 0
    while batch := cursor.fetchmany(BATCH):
        if converters:
            batch = [list(row) for row in batch]
            for row in batch:
                for i, convert in converters:
                    row[i] = convert(row[i])
        await conn.copy_records_to_table(table, records=batch, columns=names)
        copied += len(batch)
    written = await conn.fetchval(f'SELECT count(*) FROM "{table}"')
    if written != copied:  # a check that costs one count per table
        raise CopyRefused(f"table {table}: read {copied} rows but the target holds {written}; nothing was written")
    return copied


async def _advance_sequences(conn) -> None:
    """A serial or identity column's sequence continues after the copied values (org.id today)."""
    rows = await conn.fetch("SELECT table_name, column_name FROM information_schema.columns "
                            "WHERE table_schema = current_schema() "
                            "AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')")
    for r in rows:
        table, column = r["table_name"], r["column_name"]
        await conn.execute(
            f'SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) '
            f'FROM "{table}"', f'"{table}"', column)
