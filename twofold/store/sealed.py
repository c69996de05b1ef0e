"""The columns that hold sealed blobs (crypto.sealing), read and rewritten by the master key's
rotation (services.master_keys). A blob's bytes 2–9 are the id of the key it is sealed under:
the row's record of its key, queried here with substr() on both backends."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, LargeBinary, Table, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..crypto.sealing import KEY_ID_LENGTH
from .tables import factors, signing_keys


@dataclass(frozen=True)
class SealedColumn:
    name: str  # for progress lines: "factors.secret_sealed"
    table: Table
    key: Column  # the primary key, the order of a pass
    blob: Column


SEALED_COLUMNS = (
    SealedColumn("factors.secret_sealed", factors, factors.c.id, factors.c.secret_sealed),
    SealedColumn("signing_keys.private_sealed", signing_keys, signing_keys.c.kid, signing_keys.c.private_sealed),
)


def _key_id(col: SealedColumn):
    return func.substr(col.blob, 2, KEY_ID_LENGTH)


def _bytes(kid: str):
    return literal(kid.encode(), LargeBinary)


async def not_under(conn: AsyncConnection, col: SealedColumn, kid: str, after: str, limit: int):
    """Up to `limit` rows (key, blob) past `after` in key order whose blob is sealed under
    another key than `kid`: a pass's next batch. Rows already under `kid` are skipped, so a pass
    that was stopped resumes where the data says it is."""
    q = (select(col.key.label("key"), col.blob.label("blob"))
         .where(col.blob.is_not(None), col.key > after, _key_id(col) != _bytes(kid))
         .order_by(col.key).limit(limit))
    return (await conn.execute(q)).all()


async def swap(conn: AsyncConnection, col: SealedColumn, key: str, old: bytes, new: bytes) -> bool:
    """Replace a blob if it is still the one read (a row changed meanwhile keeps its change)."""
    r = await conn.execute(update(col.table).where(col.key == key, col.blob == old).values({col.blob.name: new}))
    return r.rowcount == 1


async def count_by_key_id(conn: AsyncConnection) -> dict[str, int]:
    """How many blobs each key id seals, over every sealed column."""
    counts: dict[str, int] = {}
    for col in SEALED_COLUMNS:
        kid = _key_id(col).label("kid")
        rows = (await conn.execute(select(kid, func.count()).where(col.blob.is_not(None)).group_by(kid))).all()
        for raw, n in rows:
            name = bytes(raw).decode(errors="replace")
            counts[name] = counts.get(name, 0) + n
    return counts
