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


def _settings(body: dict, known_keys: dict[str, str]) -> str:
    """Validated `settings` (authenticator form) as stored JSON. `known_keys`: key → status."""
    settings = fields.obj(body.get("settings"), "policy", "settings")
    entries = settings.get("authenticators")
    if settings.get("type", "AUTHENTICATORS") != "AUTHENTICATORS" or not isinstance(entries, list):
        raise ValidationFailed("policy", [("settings", "settings: Only the AUTHENTICATORS form (settings.type "
                                                       "AUTHENTICATORS, settings.authenticators) is supported.")])
    out, causes, seen = [], [], set()
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValidationFailed("policy", [("settings.authenticators", "settings.authenticators: Each entry "
                                                                           "must be an object with key and enroll.")])
        key = entry.get("key") if isinstance(entry.get("key"), str) else None
        mode = fields.obj(entry.get("enroll"), "policy", "settings.authenticators.enroll").get("self")
        if key not in known_keys:
            causes.append(("settings.authenticators",
                           f"settings.authenticators: Unknown authenticator key {str(entry.get('key'))[:64]!r}."))
        elif mode not in ENROLL_SELF:
            causes.append(("settings.authenticators", f"settings.authenticators: enroll.self of {key} must be one of "
                                                      f"{', '.join(ENROLL_SELF)}."))
        elif mode != "NOT_ALLOWED" and known_keys[key] != "ACTIVE":
            causes.append(("settings.authenticators", f"settings.authenticators: {key} is not active."))
        elif key in seen:
            causes.append(("settings.authenticators", f"settings.authenticators: {key} is listed twice."))
        else:
            seen.add(key)
            out.append({"key": key, "enroll": {"self": mode}})
    if causes:
        raise ValidationFailed("policy", causes)
    return json.dumps({"type": "AUTHENTICATORS", "authenticators": out})


def _type(body: dict, required: bool) -> None:
    if body.get("type") != TYPE and (required or body.get("type") is not None):
        raise ValidationFailed("policy", [("type", f"type: Only {TYPE} policies are managed here.")])


@changes_rules
async def create(rt: Runtime, body: dict, meta: RequestMeta | None = None):
    _type(body, required=True)
    name = fields.name(body, "policy")
    priority = fields.whole(body.get("priority"), "policy", "priority", 1, 1000, 1)
    status = fields.status(body, "policy", "ACTIVE")
    description = fields.description(body, what="policy")
    async with rt.db.transaction() as conn:
        settings = _settings(body, {a.key: a.status for a in await _authenticators(conn)})
        now = rt.now_ms()
        policy_id = ids.okta_id("00p")
        await store.insert_policy(
            conn, id=policy_id, type=TYPE, name=name, description=description, status=status, priority=priority,
            system=0, settings=settings, conditions=None, created_at=now, last_updated_at=now)
        await audit.record(conn, now, "policy.lifecycle.create", "SUCCESS", meta=meta, detail={"policy": policy_id})
        return await _row(conn, policy_id), await _authenticators(conn)


@changes_rules
async def replace(rt: Runtime, policy_id: str, body: dict, meta: RequestMeta | None = None):
    _type(body, required=False)
    name = fields.name(body, "policy")
    fields.status(body, "policy", "ACTIVE")  # every member is checked before the look-up
    fields.whole(body.get("priority"), "policy", "priority", 1, 1000, 1)
    async with rt.db.transaction() as conn:
        row = await _row(conn, policy_id)
        settings = _settings(body, {a.key: a.status for a in await _authenticators(conn)})
        values = {"name": name, "settings": settings, "last_updated_at": rt.now_ms()}
        if "description" in body:
            values["description"] = fields.description(body, what="policy")
        if not row.system:  # the Default Policy keeps its place and its status
            values["priority"] = fields.whole(body.get("priority"), "policy", "priority", 1, 1000, row.priority)
            values["status"] = fields.status(body, "policy", row.status)
        await store.update_policy(conn, row.id, **values)
        await audit.record(conn, values["last_updated_at"], "policy.lifecycle.update", "SUCCESS", meta=meta,
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
