"""Scopes and claims of custom authorization servers (Okta's
/api/v1/authorizationServers/{id}/scopes and /claims, whose adapter hands this module their
fields by column name): validation and storage. The
token endpoint refuses scopes a server does not define; services.tokens puts the server's
claims into its tokens (services.claims decides which, and computes their values)."""
from __future__ import annotations

import json

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import ids
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..store import server_scopes as store
from ..store.rows import is_unique_violation
from . import audit, fields, servers
from .claims import RESERVED_CLAIMS, SUPPORTED_FORMS, UnsupportedExpression, parse
from .runtime import RequestMeta, Runtime

CONSENTS = ("IMPLICIT", "REQUIRED", "FLEXIBLE")
PUBLISH = ("ALL_CLIENTS", "NO_CLIENTS")
CLAIM_TYPES = ("RESOURCE", "IDENTITY")
VALUE_TYPES = ("EXPRESSION", "GROUPS")  # SYSTEM claims are Okta's own, not created through the API
GROUP_FILTERS = ("STARTS_WITH", "EQUALS", "CONTAINS", "REGEX")


# --- scopes ------------------------------------------------------------------------------------

def _scope_name(values: dict) -> str:
    value = values.get("name")
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed("OAuth2Scope", [("name", "name: The field cannot be left blank")])
    value = value.strip()
    if len(value) > 300 or any(c.isspace() for c in value) or value.startswith("okta."):
        raise ValidationFailed("OAuth2Scope", [("name", ("name: At most 300 characters, no whitespace, "
                                                         "not starting with okta."))])
    return value


def _scope_values(values: dict, row=None) -> dict:
    """The columns from `values` (by column name); an absent field keeps its stored value or
    default, a null display name or description clears it."""
    return {
        "display_name": fields.text(values.get("display_name", row.display_name if row else None), "OAuth2Scope",
                                   "display_name"),
        "description": fields.description(values, row.description if row else None, "OAuth2Scope"),
        "is_default": fields.flag(values.get("is_default"), "OAuth2Scope", "is_default",
                                  bool(row.is_default) if row else False),
        "consent": fields.choice(values.get("consent"), "OAuth2Scope", "consent", CONSENTS,
                                 row.consent if row else "IMPLICIT"),
        "metadata_publish": fields.choice(values.get("metadata_publish"), "OAuth2Scope", "metadata_publish",
                                          PUBLISH, row.metadata_publish if row else "NO_CLIENTS"),
    }


def _duplicate(name: str) -> Conflict:
    return Conflict("OAuth2Scope", f"name: A scope with the name '{name}' already exists.")


async def list_scopes(rt: Runtime, server_id: str) -> list:
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        return list(await store.scopes_of(conn, server_id))


async def _scope(conn: AsyncConnection, server_id: str, scope_id: str):
    row = await store.scope(conn, server_id, scope_id)
    if row is None:
        raise NotFound(f"{scope_id} (OAuth2Scope)")
    return row


async def get_scope(rt: Runtime, server_id: str, scope_id: str):
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        return await _scope(conn, server_id, scope_id)


async def create_scope(rt: Runtime, server_id: str, values: dict, meta: RequestMeta | None = None):
    scope_id = ids.okta_id("scp")
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        name, columns = _scope_name(values), _scope_values(values)
        now = rt.now_ms()
        try:
            async with conn.begin_nested():  # the unique (server, name) decides, not a prior read
                await store.insert_scopes(conn, [dict(id=scope_id, server_id=server_id, name=name, system=False,
                                                      created_at=now, last_updated_at=now, **columns)])
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise _duplicate(name) from exc
            raise
        await audit.record(conn, now, "oauth2.as.scope.created", "SUCCESS", meta=meta,
                           detail={"server": server_id, "scope": scope_id})
        return await _scope(conn, server_id, scope_id)


async def replace_scope(rt: Runtime, server_id: str, scope_id: str, values: dict,
                        meta: RequestMeta | None = None):
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        name = _scope_name(values)
        row = await _scope(conn, server_id, scope_id)
        if row.system and name != row.name:
            raise ValidationFailed("OAuth2Scope", [("name", "name: A system scope cannot be renamed.")])
        columns = _scope_values(values, row)
        now = rt.now_ms()
        try:
            async with conn.begin_nested():
                await store.update_scope(conn, row.id, name=name, last_updated_at=now, **columns)
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise _duplicate(name) from exc
            raise
        await audit.record(conn, now, "oauth2.as.scope.updated", "SUCCESS", meta=meta,
                           detail={"server": server_id, "scope": row.id})
        return await _scope(conn, server_id, scope_id)


async def delete_scope(rt: Runtime, server_id: str, scope_id: str, meta: RequestMeta | None = None) -> None:
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        row = await _scope(conn, server_id, scope_id)
        if row.system:
            raise ValidationFailed("OAuth2Scope", [("system", "A system scope cannot be deleted.")])
        await store.delete_scope(conn, row.id)
        await audit.record(conn, rt.now_ms(), "oauth2.as.scope.deleted", "SUCCESS", meta=meta,
                           detail={"server": server_id, "scope": row.id})


# --- claims ------------------------------------------------------------------------------------

def _claim_values(values: dict, row=None) -> dict:
    """The columns from `values` (by column name); an absent field keeps its stored value or default."""
    what = "OAuth2Claim"
    name = fields.name(values, what)
    if name in RESERVED_CLAIMS:
        raise ValidationFailed(what, [("name", f"name: '{name}' is a reserved claim name.")])
    value = values.get("value")
    if not isinstance(value, str) or not value.strip() or len(value) > 1024:
        raise ValidationFailed(what, [("value", "value: The field cannot be left blank (at most 1024 characters).")])
    value_type = fields.choice(values.get("value_type"), what, "value_type", VALUE_TYPES,
                               row.value_type if row else "EXPRESSION")
    group_filter = None
    if value_type == "EXPRESSION":
        try:
            parse(value)
        except UnsupportedExpression:
            raise ValidationFailed(what, [("value", "value: Unsupported expression; twofold supports "
                                                    f"{SUPPORTED_FORMS}.")]) from None
    if value_type == "GROUPS":  # stored, never emitted: twofold has no groups, so the filter matches none
        group_filter = fields.choice(values.get("group_filter_type"), what, "group_filter_type", GROUP_FILTERS,
                                     row.group_filter_type if row else None)
        if group_filter is None:
            raise ValidationFailed(what, [("group_filter_type", "group_filter_type: Required for a GROUPS claim.")])
    scopes = fields.strings(values.get("scopes"), what, "scopes", json.loads(row.scopes) if row else [],
                            item_limit=300)
    return {
        "name": name, "value": value, "value_type": value_type, "group_filter_type": group_filter,
        "status": fields.status(values, what, row.status if row else "ACTIVE"),
        "claim_type": fields.choice(values.get("claim_type"), what, "claim_type", CLAIM_TYPES,
                                    row.claim_type if row else "RESOURCE"),
        "always_include": fields.flag(values.get("always_include"), what, "always_include",
                                      bool(row.always_include) if row else True),
        "scopes": json.dumps(scopes),
    }


async def list_claims(rt: Runtime, server_id: str) -> list:
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        return list(await store.claims_of(conn, server_id))


async def _claim(conn: AsyncConnection, server_id: str, claim_id: str):
    row = await store.claim(conn, server_id, claim_id)
    if row is None:
        raise NotFound(f"{claim_id} (OAuth2Claim)")
    return row


async def get_claim(rt: Runtime, server_id: str, claim_id: str):
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        return await _claim(conn, server_id, claim_id)


async def create_claim(rt: Runtime, server_id: str, values: dict, meta: RequestMeta | None = None):
    claim_id = ids.okta_id("ocl")
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        columns = _claim_values(values)
        now = rt.now_ms()
        await store.insert_claim(conn, id=claim_id, server_id=server_id, system=False, created_at=now,
                                 last_updated_at=now, **columns)
        await audit.record(conn, now, "oauth2.as.claim.created", "SUCCESS", meta=meta,
                           detail={"server": server_id, "claim": claim_id})
        return await _claim(conn, server_id, claim_id)


async def replace_claim(rt: Runtime, server_id: str, claim_id: str, values: dict,
                        meta: RequestMeta | None = None):
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        row = await _claim(conn, server_id, claim_id)
        columns = _claim_values(values, row)
        if row.system and columns["name"] != row.name:
            raise ValidationFailed("OAuth2Claim", [("name", "name: A system claim cannot be renamed.")])
        now = rt.now_ms()
        await store.update_claim(conn, row.id, last_updated_at=now, **columns)
        await audit.record(conn, now, "oauth2.as.claim.updated", "SUCCESS", meta=meta,
                           detail={"server": server_id, "claim": row.id})
        return await _claim(conn, server_id, claim_id)


async def delete_claim(rt: Runtime, server_id: str, claim_id: str, meta: RequestMeta | None = None) -> None:
    async with rt.db.transaction() as conn:
        await servers.require_custom(conn, server_id)
        row = await _claim(conn, server_id, claim_id)
        if row.system:
            raise ValidationFailed("OAuth2Claim", [("system", "A system claim cannot be deleted.")])
        await store.delete_claim(conn, row.id)
        await audit.record(conn, rt.now_ms(), "oauth2.as.claim.deleted", "SUCCESS", meta=meta,
                           detail={"server": server_id, "claim": row.id})
