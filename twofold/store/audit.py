"""The audit log: one row per security event, written in the transaction of the event."""
from __future__ import annotations

from sqlalchemy import and_, bindparam, false, func, insert, not_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Executor, run
from .rows import new_row_id
from .tables import api_tokens, audit_events, authenticators, clients, factors, policies, users


_COLUMNS = ("at", "event_type", "outcome", "reason", "user_id", "client_id", "factor_id", "ip", "user_agent", "detail")
# Built once: statement objects memoise their cache key, so executing costs no compilation (hot path).
_INSERT = insert(audit_events).values(id=bindparam("id"), **{c: bindparam(c) for c in _COLUMNS})


async def insert_event(executor: Executor, **values) -> None:
    await run(executor, _INSERT, {"id": new_row_id(), **{c: values.get(c) for c in _COLUMNS}})


async def events_for_user(conn: AsyncConnection, user_id: str):
    q = select(audit_events).where(audit_events.c.user_id == user_id).order_by(audit_events.c.at)
    return (await conn.execute(q)).all()


# --- reading the log (Okta's System Log) ---------------------------------------------------------
# Conditions arrive as a small tree over named columns (built by services/system_log, for the
# searches of the dialects: Okta's filter and keywords) without SQL: ("and"|"or", [nodes]), ("not", node),
# ("eq", column, value), ("in", column, values), ("null", column),
# ("icontains"|"istartswith"|"ieq", column, text) — case-insensitive on both backends.

_SEARCHABLE = {
    "event_type": audit_events.c.event_type,
    "outcome": audit_events.c.outcome,
    "reason": audit_events.c.reason,
    "user_id": audit_events.c.user_id,
    "client_id": audit_events.c.client_id,
    "factor_id": audit_events.c.factor_id,
    "ip": audit_events.c.ip,
    "user_agent": audit_events.c.user_agent,
    "detail": audit_events.c.detail,
    "login": users.c.login,
    "first_name": users.c.first_name,
    "last_name": users.c.last_name,
    "client_name": clients.c.client_name,
    "factor_type": factors.c.type,
    "factor_provider": factors.c.provider,
}


def _condition(node):
    kind = node[0]
    if kind in ("and", "or"):
        parts = [_condition(n) for n in node[1]]
        return and_(true(), *parts) if kind == "and" else or_(false(), *parts)
    if kind == "not":
        return not_(_condition(node[1]))
    column = _SEARCHABLE[node[1]]
    if kind == "eq":
        return column == node[2]
    if kind == "in":
        values = sorted(node[2])
        return column.in_(values) if values else false()
    if kind == "null":
        return column.is_(None)
    text = node[2].lower()
    if kind == "ieq":
        return func.lower(column) == text
    if kind == "icontains":
        return func.lower(column).contains(text, autoescape=True)
    if kind == "istartswith":
        return func.lower(column).startswith(text, autoescape=True)
    raise ValueError(kind)


_EVENT_PAGE = select(
    audit_events,
    users.c.login.label("user_login"),
    users.c.first_name.label("user_first_name"),
    users.c.last_name.label("user_last_name"),
    clients.c.client_name.label("client_name"),
    factors.c.type.label("factor_type"),
    factors.c.provider.label("factor_provider"),
).select_from(
    audit_events
    .outerjoin(users, users.c.id == audit_events.c.user_id)
    .outerjoin(clients, clients.c.client_id == audit_events.c.client_id)
    .outerjoin(factors, factors.c.id == audit_events.c.factor_id)
)


async def event_page(conn: AsyncConnection, *, since: int | None, until: int, after: tuple[int, str] | None,
                     descending: bool, limit: int, where=None):
    """One page of events with `since <= at < until` (and past the cursor `after` = (at, id)),
    in (at, id) order, with the names of their user, client and factor. The time range and
    the order come from the index on `at`."""
    at, row_id = audit_events.c.at, audit_events.c.id
    q = _EVENT_PAGE.where(at < until)
    if since is not None:
        q = q.where(at >= since)
    if after is not None:
        a, i = after
        q = q.where(or_(at < a, and_(at == a, row_id < i)) if descending else or_(at > a, and_(at == a, row_id > i)))
    if where is not None:
        q = q.where(_condition(where))
    q = q.order_by(at.desc(), row_id.desc()) if descending else q.order_by(at, row_id)
    return (await conn.execute(q.limit(limit))).all()


async def names_for_events(conn: AsyncConnection, *, authenticator_keys: set[str], policy_ids: set[str],
                           api_token_ids: set[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """Targets named in events' details: ("authenticator", key) -> (id, name),
    ("policy", id) -> (id, name), ("api_token", id) -> (id, name)."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    if authenticator_keys:
        q = select(authenticators.c.key, authenticators.c.id, authenticators.c.name).where(
            authenticators.c.key.in_(sorted(authenticator_keys)))
        for r in (await conn.execute(q)).all():
            out[("authenticator", r.key)] = (r.id, r.name)
    if policy_ids:
        q = select(policies.c.id, policies.c.name).where(policies.c.id.in_(sorted(policy_ids)))
        for r in (await conn.execute(q)).all():
            out[("policy", r.id)] = (r.id, r.name)
    if api_token_ids:
        q = select(api_tokens.c.id, api_tokens.c.name).where(api_tokens.c.id.in_(sorted(api_token_ids)))
        for r in (await conn.execute(q)).all():
            out[("api_token", r.id)] = (r.id, r.name)
    return out
