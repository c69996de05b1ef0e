"""Authorization servers: who issues a token, with which `iss` and default audience.

- the root (`server_id` None) speaks Auth0: `iss` is TWOFOLD_ISSUER, `/oauth/token`;
- `org` is Okta's org authorization server: `/oauth2/v1/*`, `iss` without a trailing slash;
- custom servers (`default` out of the box) are Okta's `/oauth2/{id}/v1/*`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import ids
from ..domain.errors import NotFound, ValidationFailed
from ..store import server_scopes as scope_store
from ..store import servers as server_store
from . import audit, fields
from .runtime import Runtime

ORG = "org"

# Okta's system scopes of every custom server (name, description): created with the server, then
# managed by services/server_scopes (which looks servers up here); migration 0007 seeds the same.
SYSTEM_SCOPES = (
    ("openid", "Signals that a request is an OpenID request."),
    ("profile", "Allows access to the end-user's default profile claims."),
    ("email", "Allows access to the end-user's email address."),
    ("address", "Allows access to the end-user's address."),
    ("phone", "Allows access to the end-user's phone number."),
    ("offline_access", "Allows the client to request refresh tokens."),
)


@dataclass(frozen=True)
class TokenServer:
    id: str | None
    issuer: str
    audience: str | None  # access-token audience when the request names none
    okta: bool  # Okta claim names (uid, cid, scp) and lifetimes

    @property
    def base(self) -> str:
        return self.issuer.rstrip("/")


def root(rt: Runtime) -> TokenServer:
    return TokenServer(None, rt.settings.resolved_issuer, None, okta=False)


def org(rt: Runtime) -> TokenServer:
    issuer = rt.settings.base_url.rstrip("/")
    return TokenServer(ORG, issuer, issuer, okta=True)


def builtin(rt: Runtime, server_id: str | None) -> TokenServer | None:
    """The root or the org server (no database read); None for a custom server."""
    if server_id is None:
        return root(rt)
    return org(rt) if server_id == ORG else None


def custom_issuer(rt: Runtime, server_id: str) -> str:
    """A custom server's `iss` (Okta's issuerMode ORG_URL)."""
    return f"{rt.settings.base_url}oauth2/{server_id}"


async def resolve(conn: AsyncConnection, rt: Runtime, server_id: str | None) -> TokenServer:
    if server_id is None:
        return root(rt)
    if server_id == ORG:
        return org(rt)
    row = await server_store.by_id(conn, server_id)
    if row is None or row.status != "ACTIVE":
        raise NotFound(f"{server_id} (AuthorizationServer)")
    audiences = json.loads(row.audiences)
    return TokenServer(row.id, custom_issuer(rt, row.id), audiences[0] if audiences else None, okta=True)


async def lookup(rt: Runtime, server_id: str | None) -> TokenServer:
    async with rt.db.transaction() as conn:
        return await resolve(conn, rt, server_id)


# --- the management API (Okta's /api/v1/authorizationServers) ------------------------------

def _fields(body: dict) -> dict:
    causes = []
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        causes.append(("name", "name: The field cannot be left blank"))
    audiences = body.get("audiences")
    if not isinstance(audiences, list) or not audiences or not all(isinstance(a, str) and a for a in audiences):
        causes.append(("audiences", "audiences: At least one audience is required."))
    if causes:
        raise ValidationFailed("authorizationServer", causes)
    return {"name": name.strip()[:200], "description": fields.description(body, what="authorizationServer"),
            "audiences": json.dumps(audiences[:20])}


async def list_custom(rt: Runtime) -> list:
    async with rt.db.transaction() as conn:
        return list(await server_store.all_servers(conn))


async def require_custom(conn: AsyncConnection, server_id: str):
    """The custom server's row, inside the caller's transaction, or NotFound (the org server
    has no row: its policies, scopes and claims are not managed)."""
    row = await server_store.by_id(conn, server_id)
    if row is None:
        raise NotFound(f"{server_id} (AuthorizationServer)")
    return row


async def custom_row(rt: Runtime, server_id: str):
    async with rt.db.transaction() as conn:
        return await require_custom(conn, server_id)


def system_scope_rows(server_id: str, now: int) -> list[dict]:
    """The system scopes of a new custom server, inserted with it."""
    return [{"id": ids.okta_id("scp"), "server_id": server_id, "name": name, "display_name": name,
             "description": description, "system": True, "is_default": False, "consent": "IMPLICIT",
             "metadata_publish": "ALL_CLIENTS", "created_at": now, "last_updated_at": now}
            for name, description in SYSTEM_SCOPES]


async def create(rt: Runtime, body: dict, meta=None):
    """A new custom server, ACTIVE, with Okta's system scopes and no access policy: until one is
    added every grant is refused (as in Okta)."""
    values = _fields(body)
    server_id = ids.okta_id("aus")
    now = rt.now_ms()
    async with rt.db.transaction() as conn:
        await server_store.insert_server(conn, id=server_id, status="ACTIVE", created_at=now, last_updated_at=now,
                                         **values)
        await scope_store.insert_scopes(conn, system_scope_rows(server_id, now))
        await audit.record(conn, now, "oauth2.as.created", "SUCCESS", meta=meta, detail={"server": server_id})
    return await custom_row(rt, server_id)


async def replace(rt: Runtime, server_id: str, body: dict, meta=None):
    values = _fields(body)
    async with rt.db.transaction() as conn:
        await require_custom(conn, server_id)
        await server_store.update_server(conn, server_id, last_updated_at=rt.now_ms(), **values)
        await audit.record(conn, rt.now_ms(), "oauth2.as.updated", "SUCCESS", meta=meta, detail={"server": server_id})
    return await custom_row(rt, server_id)


async def set_status(rt: Runtime, server_id: str, status: str, meta=None) -> None:
    async with rt.db.transaction() as conn:
        await require_custom(conn, server_id)
        await server_store.update_server(conn, server_id, status=status, last_updated_at=rt.now_ms())
        event = "oauth2.as.activated" if status == "ACTIVE" else "oauth2.as.deactivated"
        await audit.record(conn, rt.now_ms(), event, "SUCCESS", meta=meta, detail={"server": server_id})


async def delete(rt: Runtime, server_id: str, meta=None) -> None:
    """Its access policies and rules, scopes and claims go with it; tokens it issued stay valid
    until they expire."""
    async with rt.db.transaction() as conn:
        await require_custom(conn, server_id)
        await server_store.delete_server(conn, server_id)
        await audit.record(conn, rt.now_ms(), "oauth2.as.deleted", "SUCCESS", meta=meta, detail={"server": server_id})
