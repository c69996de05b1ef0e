"""Small helpers shared by the query modules."""
from __future__ import annotations

import secrets
import time

from sqlalchemy.exc import IntegrityError


def new_row_id() -> str:
    """32 hex digits: the time in ms, then 80 random bits. Time-ordered, so inserts land at the
    right edge of the primary-key index instead of on random pages (the audit log's hot path)."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def is_unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text
