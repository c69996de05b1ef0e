"""Authenticator enrollment policies (Okta's Policies API, type MFA_ENROLL): per authenticator
`enroll.self` = REQUIRED | OPTIONAL | NOT_ALLOWED. The Default Policy always exists, is
evaluated last and cannot be deleted."""
from __future__ import annotations

import json

from ..domain import ids
from ..domain.errors import NotFound, SystemPolicy, ValidationFailed
from ..store import admin_plane as store
from . import audit, fields
from .org_authenticators import ENROLL_SELF, changes_rules
from .runtime import RequestMeta, Runtime

TYPE = "MFA_ENROLL"


async def list_all(rt: Runtime, type_: str | None):
    if not type_:
        raise ValidationFailed("type", [("type", "type: The request is missing a required parameter.")])
    async with rt.db.transaction() as conn:
        return (list(await store.list_policies(conn, TYPE)) if type_ == TYPE else []), await _authenticators(conn)


async def get(rt: Runtime, policy_id: str):
    async with rt.db.transaction() as conn:
        return await _row(conn, policy_id), await _authenticators(conn)


async def _authenticators(conn):
    return list(await store.list_authenticators(conn))


async def _row(conn, policy_id: str):
    row = await store.policy(conn, policy_id)
    if row is None or row.type != TYPE:
        raise NotFound(f"{policy_id} (Policy)")
    return row


def _settings(entries: list[tuple], known_keys: dict[str, str]) -> str:
    """Validated (authenticator key, enroll_self) pairs as stored JSON. `known_keys`: key → status."""
    out, causes, seen = [], [], set()
    for raw_key, mode in entries:
        key = raw_key if isinstance(raw_key, str) else None
        if key not in known_keys:
            causes.append(("authenticators", f"authenticators: Unknown authenticator key {str(raw_key)[:64]!r}."))
        elif mode not in ENROLL_SELF:
            causes.append(("authenticators", f"authenticators: enroll_self of {key} must be one of "
                                             f"{', '.join(ENROLL_SELF)}."))
        elif mode != "NOT_ALLOWED" and known_keys[key] != "ACTIVE":
            causes.append(("authenticators", f"authenticators: {key} is not active."))
        elif key in seen:
            causes.append(("authenticators", f"authenticators: {key} is listed twice."))
        else:
            seen.add(key)
            out.append({"key": key, "enroll": {"self": mode}})
    if causes:
        raise ValidationFailed("policy", causes)
    return json.dumps({"type": "AUTHENTICATORS", "authenticators": out})


@changes_rules
async def create(rt: Runtime, values: dict, meta: RequestMeta | None = None):
    """`values`: name, description, priority, status, and `authenticators`, a list of
    (authenticator key, enroll_self) pairs."""
    name = fields.name(values, "policy")
    priority = fields.whole(values.get("priority"), "policy", "priority", 1, 1000, 1)
    status = fields.status(values, "policy", "ACTIVE")
    description = fields.description(values, what="policy")
    async with rt.db.transaction() as conn:
        settings = _settings(values["authenticators"], {a.key: a.status for a in await _authenticators(conn)})
        now = rt.now_ms()
        policy_id = ids.okta_id("00p")
        await store.insert_policy(
            conn, id=policy_id, type=TYPE, name=name, description=description, status=status, priority=priority,
            system=0, settings=settings, conditions=None, created_at=now, last_updated_at=now)
        await audit.record(conn, now, "policy.lifecycle.create", "SUCCESS", meta=meta, detail={"policy": policy_id})
        return await _row(conn, policy_id), await _authenticators(conn)


@changes_rules
async def replace(rt: Runtime, policy_id: str, values: dict, meta: RequestMeta | None = None):
    """As create; an absent description stays, and the Default Policy keeps its priority and status."""
    name = fields.name(values, "policy")
    fields.status(values, "policy", "ACTIVE")  # every field is checked before the look-up
    fields.whole(values.get("priority"), "policy", "priority", 1, 1000, 1)
    async with rt.db.transaction() as conn:
        row = await _row(conn, policy_id)
        settings = _settings(values["authenticators"], {a.key: a.status for a in await _authenticators(conn)})
        columns = {"name": name, "settings": settings, "last_updated_at": rt.now_ms()}
        if "description" in values:
            columns["description"] = fields.description(values, what="policy")
        if not row.system:  # the Default Policy keeps its place and its status
            columns["priority"] = fields.whole(values.get("priority"), "policy", "priority", 1, 1000, row.priority)
            columns["status"] = fields.status(values, "policy", row.status)
        await store.update_policy(conn, row.id, **columns)
        await audit.record(conn, columns["last_updated_at"], "policy.lifecycle.update", "SUCCESS", meta=meta,
                           detail={"policy": row.id})
        return await _row(conn, policy_id), await _authenticators(conn)


@changes_rules
async def delete(rt: Runtime, policy_id: str, meta: RequestMeta | None = None) -> None:
    async with rt.db.transaction() as conn:
        row = await _row(conn, policy_id)
        if row.system:
            raise SystemPolicy("Default Policy is immutable")
        if not await store.delete_policy(conn, row.id):
            raise NotFound(f"{policy_id} (Policy)")
        await audit.record(conn, rt.now_ms(), "policy.lifecycle.delete", "SUCCESS", meta=meta,
                           detail={"policy": row.id})
