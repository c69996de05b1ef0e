"""Small helpers shared by the query modules."""
from __future__ import annotations

import secrets
import time

import asyncpg

from sqlalchemy.exc import IntegrityError


def new_row_id() -> str:
    """32 hex digits: the time in ms, then 80 random bits. Time-ordered, so inserts land at the
    right edge of the primary-key index instead of on random pages (the audit log's hot path)."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def is_unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text


def is_foreign_key_violation(exc: Exception) -> bool:
    """A row that names one gone meanwhile: SQLAlchemy's IntegrityError on either backend, or
    asyncpg's own on the hot lane (store.db.Database.run)."""
    if isinstance(exc, IntegrityError):
        text = str(exc.orig).lower()
        return "foreign key" in text
    return isinstance(exc, asyncpg.ForeignKeyViolationError)
