"""Small helpers shared by the query modules."""
from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError


def new_row_id() -> str:
    return secrets.token_hex(16)


def is_unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text
