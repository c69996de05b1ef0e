"""Audit events: who did what with which outcome. Never a secret (R68)."""
from __future__ import annotations

import json

from ..store import audit as audit_store
from ..store.db import Executor
from .runtime import RequestMeta


def _event(at: int, event_type: str, outcome: str, *, meta: RequestMeta | None = None, user_id: str | None = None,
           client_id: str | None = None, factor_id: str | None = None, reason: str | None = None,
           detail: dict | None = None) -> dict:
    if meta is not None and meta.actor_id:
        detail = {**(detail or {}), "actor": meta.actor_id}
    return dict(
        at=at,
        event_type=event_type,
        outcome=outcome,
        reason=reason,
        user_id=user_id,
        client_id=client_id,
        factor_id=factor_id,
        ip=(meta.ip if meta else None),
        user_agent=((meta.user_agent or "")[:300] if meta else None) or None,
        detail=json.dumps(detail) if detail else None,
    )


async def record(executor: Executor, at: int, event_type: str, outcome: str, **fields) -> None:
    """An event inside the caller's transaction (a connection), or as one committed statement
    of its own (the Database; inside Database.atomic, one of its writes). `fields`: meta,
    user_id, client_id, factor_id, reason, detail (never a secret)."""
    await audit_store.insert_event(executor, **_event(at, event_type, outcome, **fields))
