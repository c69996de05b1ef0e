"""Access policies of custom authorization servers and their rules (Okta's
/api/v1/authorizationServers/{id}/policies…), and their evaluation at the token endpoint:
policies in priority order whose clients include the caller, then their ACTIVE rules in
priority order; the first rule that includes the grant type and covers the requested scopes
decides, and its lifetimes apply. No such rule: the grant is refused (PolicyDenied). A scope
the server does not define (its scopes: services/server_scopes) is refused first."""
from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import grants, ids
from ..domain.errors import InvalidScope, NotFound, PolicyDenied, ValidationFailed
from ..store import admin_plane as store
from ..store import server_scopes as scope_store
from . import audit, fields, servers
from .runtime import RequestMeta, Runtime

ALL_CLIENTS = "ALL_CLIENTS"


def _list(value: str) -> list:
    return json.loads(value) if value else []

UNKNOWN_SCOPES = "One or more scopes are not configured for the authorization server resource."


# --- evaluation ----------------------------------------------------------------------------

async def matching_rule(conn: AsyncConnection, server_id: str, client_id: str, grant_type: str,
                        scopes: list[str]):
    for policy in await store.server_policies_of(conn, server_id):
        clients = _list(policy.clients)
        if policy.status != "ACTIVE" or not (ALL_CLIENTS in clients or client_id in clients):
            continue
        for rule in await store.rules_of(conn, policy.id):
            allowed = _list(rule.scopes)
            if (rule.status == "ACTIVE" and grant_type in _list(rule.grant_types)
                    and ("*" in allowed or set(scopes) <= set(allowed))):
                return rule
    return None


async def check(rt: Runtime, server_id: str, client_id: str, grant_type: str, scopes: list[str],
                meta: RequestMeta | None = None):
    """The rule that allows this request; InvalidScope for a scope the server does not define
    (Okta's wording), else PolicyDenied when no rule allows it (audited as no_matching_policy).
    The Auth0 root (None) and Okta's org server have no access policies: None, nothing checked."""
    if server_id in (None, servers.ORG):
        return None
    async with rt.db.transaction() as conn:
        defined = {row.name for row in await scope_store.scopes_of(conn, server_id)}
        unknown = sorted(set(scopes) - defined)
        rule = None if unknown else await matching_rule(conn, server_id, client_id, grant_type, scopes)
        if rule is None:
            await audit.record(conn, rt.now_ms(), "app.oauth2.token.grant", "DENY", meta=meta, client_id=client_id,
                               reason="invalid_scope" if unknown else "no_matching_policy",
                               detail={"server": server_id, "grant_type": grant_type})
    if unknown:
        raise InvalidScope(UNKNOWN_SCOPES)
    if rule is None:
        raise PolicyDenied()
    return rule


# --- the management API ----------------------------------------------------------------------

async def list_policies(rt: Runtime, server_id: str) -> list:
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        return list(await store.server_policies_of(conn, server_id))


async def get_policy(rt: Runtime, server_id: str, policy_id: str):
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        return await _policy(conn, server_id, policy_id)


async def _policy(conn, server_id: str, policy_id: str):
    row = await store.server_policy(conn, server_id, policy_id)
    if row is None:
        raise NotFound(f"{policy_id} (Policy)")
    return row


def _common(body: dict, what: str, row=None) -> dict:
    """Name, status and priority of a policy or a rule (a replace keeps what the body omits)."""
    return {"name": fields.name(body, what), "status": fields.status(body, what, row.status if row else "ACTIVE"),
            "priority": fields.whole(body.get("priority"), what, "priority", 1, 1000, row.priority if row else 1)}


def _policy_values(body: dict, row=None) -> dict:
    """Every field of a policy, validated before anything is written. `body` has the neutral
    fields name, description, status, priority and clients (ALL_CLIENTS or client ids)."""
    include = body.get("clients")
    if not isinstance(include, list) or not include or not all(isinstance(c, str) and c for c in include):
        raise ValidationFailed("policy", [("clients", "clients: ALL_CLIENTS or a list of client ids")])
    return {**_common(body, "policy", row), "clients": json.dumps(include),
            "description": fields.description(body, row.description if row else None, "policy")}


async def create_policy(rt: Runtime, server_id: str, body: dict, meta: RequestMeta | None = None):
    values = _policy_values(body)
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        now = rt.now_ms()
        policy_id = ids.okta_id("00p")
        await store.insert_server_policy(conn, id=policy_id, server_id=server_id, created_at=now, last_updated_at=now,
                                         **values)
        await audit.record(conn, now, "policy.lifecycle.create", "SUCCESS", meta=meta,
                           detail={"server": server_id, "policy": policy_id})
        return await _policy(conn, server_id, policy_id)


async def replace_policy(rt: Runtime, server_id: str, policy_id: str, body: dict, meta: RequestMeta | None = None):
    _policy_values(body)  # a malformed body is refused before any look-up
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        row = await _policy(conn, server_id, policy_id)
        now = rt.now_ms()
        await store.update_server_policy(conn, row.id, last_updated_at=now, **_policy_values(body, row))
        await audit.record(conn, now, "policy.lifecycle.update", "SUCCESS", meta=meta,
                           detail={"server": server_id, "policy": row.id})
        return await _policy(conn, server_id, policy_id)


async def set_policy_status(rt: Runtime, server_id: str, policy_id: str, status: str,
                            meta: RequestMeta | None = None) -> None:
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        row = await _policy(conn, server_id, policy_id)
        await store.update_server_policy(conn, row.id, status=status, last_updated_at=rt.now_ms())
        event = "policy.lifecycle." + ("activate" if status == "ACTIVE" else "deactivate")
        await audit.record(conn, rt.now_ms(), event,
                           "SUCCESS", meta=meta, detail={"server": server_id, "policy": row.id})


async def delete_policy(rt: Runtime, server_id: str, policy_id: str, meta: RequestMeta | None = None) -> None:
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        row = await _policy(conn, server_id, policy_id)
        await store.delete_server_policy(conn, row.id)
        await audit.record(conn, rt.now_ms(), "policy.lifecycle.delete", "SUCCESS", meta=meta,
                           detail={"server": server_id, "policy": row.id})


# --- rules -------------------------------------------------------------------------------------

async def list_rules(rt: Runtime, server_id: str, policy_id: str) -> list:
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        return list(await store.rules_of(conn, (await _policy(conn, server_id, policy_id)).id))


async def get_rule(rt: Runtime, server_id: str, policy_id: str, rule_id: str):
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        return await _rule(conn, server_id, policy_id, rule_id)


async def _rule(conn, server_id: str, policy_id: str, rule_id: str):
    policy = await _policy(conn, server_id, policy_id)
    row = await store.rule(conn, policy.id, rule_id)
    if row is None:
        raise NotFound(f"{rule_id} (Rule)")
    return row


# A rule's fields as services name them (its table's columns), with what an omitted one means.
RULE_DEFAULTS = {"scopes": ["*"], "access_token_minutes": 60, "refresh_token_minutes": 0,
                 "refresh_window_minutes": 10080}


def _rule_values(body: dict, row=None) -> dict:
    """Every field of a rule, validated before anything is written. `body` has the neutral fields
    name, status, priority, grant_types, scopes (["*"]: any) and the lifetimes in minutes, as
    RULE_DEFAULTS names them; each dialect maps its own member names onto these.
    Okta's limits: access token 5–1440 minutes; refresh token 0 = unlimited or at least the access
    token's; window 10 minutes to 5 years."""
    values = {**RULE_DEFAULTS, **body}  # an absent field takes its default
    include, scopes = body.get("grant_types"), values["scopes"]
    causes = []
    if not isinstance(include, list) or not include:
        causes.append(("grant_types", "grant_types: At least one grant type."))
    else:
        unknown = [g for g in include if not isinstance(g, str) or g not in grants.RULE_GRANTS]
        if unknown:
            causes.append(("grant_types", f"grant_types: Unknown grant type {str(unknown[0])[:200]!r}."))
    if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) and s for s in scopes):
        causes.append(("scopes", "scopes: A list of scopes, or [\"*\"]."))
    access, refresh = values["access_token_minutes"], values["refresh_token_minutes"]
    window = values["refresh_window_minutes"]
    if type(access) is not int or not 5 <= access <= 1440:
        causes.append(("access_token_minutes", "access_token_minutes: From 5 minutes to 1 day."))
    elif (type(refresh) is not int or refresh < 0 or refresh > 5 * 365 * 24 * 60
          or (refresh != 0 and refresh < access)):
        causes.append(("refresh_token_minutes",
                       "refresh_token_minutes: 0 (unlimited) or at least the access token's."))
    if type(window) is not int or not 10 <= window <= 5 * 365 * 24 * 60:
        causes.append(("refresh_window_minutes", "refresh_window_minutes: From 10 minutes to 5 years."))
    if causes:
        raise ValidationFailed("rule", causes)
    return {**_common(body, "rule", row), "grant_types": json.dumps(include), "scopes": json.dumps(scopes),
            "access_token_minutes": access, "refresh_token_minutes": refresh, "refresh_window_minutes": window}


async def create_rule(rt: Runtime, server_id: str, policy_id: str, body: dict, meta: RequestMeta | None = None):
    values = _rule_values(body)
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        policy = await _policy(conn, server_id, policy_id)
        now = rt.now_ms()
        rule_id = ids.okta_id("0pr")
        await store.insert_rule(conn, id=rule_id, policy_id=policy.id, created_at=now, last_updated_at=now, **values)
        await audit.record(conn, now, "policy.rule.create", "SUCCESS", meta=meta,
                           detail={"server": server_id, "policy": policy.id, "rule": rule_id})
        return await _rule(conn, server_id, policy_id, rule_id)


async def replace_rule(rt: Runtime, server_id: str, policy_id: str, rule_id: str, body: dict,
                       meta: RequestMeta | None = None):
    _rule_values(body)  # a malformed body is refused before any look-up
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        row = await _rule(conn, server_id, policy_id, rule_id)
        values = _rule_values(body, row)
        now = rt.now_ms()
        await store.update_rule(conn, row.id, last_updated_at=now, **values)
        await audit.record(conn, now, "policy.rule.update", "SUCCESS", meta=meta,
                           detail={"server": server_id, "policy": policy_id, "rule": row.id,
                                   "grant_types": json.loads(values["grant_types"])})
        return await _rule(conn, server_id, policy_id, rule_id)


async def set_rule_status(rt: Runtime, server_id: str, policy_id: str, rule_id: str, status: str,
                          meta: RequestMeta | None = None) -> None:
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        row = await _rule(conn, server_id, policy_id, rule_id)
        await store.update_rule(conn, row.id, status=status, last_updated_at=rt.now_ms())
        await audit.record(conn, rt.now_ms(), "policy.rule." + ("activate" if status == "ACTIVE" else "deactivate"),
                           "SUCCESS", meta=meta, detail={"server": server_id, "policy": policy_id, "rule": row.id})


async def delete_rule(rt: Runtime, server_id: str, policy_id: str, rule_id: str,
                      meta: RequestMeta | None = None) -> None:
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        row = await _rule(conn, server_id, policy_id, rule_id)
        await store.delete_rule(conn, row.id)
        await audit.record(conn, rt.now_ms(), "policy.rule.delete", "SUCCESS", meta=meta,
                           detail={"server": server_id, "policy": policy_id, "rule": row.id})
