"""Authorization servers: who issues a token, with which `iss` and default audience.

- the root (`server_id` None) speaks Auth0: `iss` is TWOFOLD_ISSUER, `/oauth/token`;
- `org` is Okta's org authorization server: `/oauth2/v1/*`, `iss` without a trailing slash;
- custom servers (`default` out of the box) are Okta's `/oauth2/{id}/v1/*`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.errors import NotFound
from ..store import servers as server_store
from .runtime import Runtime

ORG = "org"


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


async def resolve(conn: AsyncConnection, rt: Runtime, server_id: str | None) -> TokenServer:
    if server_id is None:
        return root(rt)
    if server_id == ORG:
        return org(rt)
    row = await server_store.by_id(conn, server_id)
    if row is None or row.status != "ACTIVE":
        raise NotFound(f"{server_id} (AuthorizationServer)")
    audiences = json.loads(row.audiences)
    return TokenServer(row.id, f"{rt.settings.base_url}oauth2/{row.id}", audiences[0] if audiences else None,
                       okta=True)


async def lookup(rt: Runtime, server_id: str | None) -> TokenServer:
    async with rt.db.transaction() as conn:
        return await resolve(conn, rt, server_id)
