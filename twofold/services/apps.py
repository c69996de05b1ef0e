"""Okta's Apps API for OIDC apps: the same clients as /oauth2/v1/clients and the Auth0
dialect's, seen as applications (label, grant types, credentials, lifecycle)."""
from __future__ import annotations

import json

from ..domain import ids
from ..domain.errors import NotFound, ValidationFailed
from ..store import clients as client_store
from . import audit, clients, fields
from .runtime import RequestMeta, Runtime

METADATA = ("client_name", "grant_types", "token_endpoint_auth_method", "application_type", "redirect_uris",
            "response_types")


async def list_all(rt: Runtime) -> list:
    async with rt.db.transaction() as conn:
        return list(await client_store.all_clients(conn))


async def get(rt: Runtime, app_id: str):
    async with rt.db.transaction() as conn:
        return await _row(conn, app_id)


async def _row(conn, app_id: str):
    row = await client_store.by_id(conn, app_id)
    if row is None:
        raise NotFound(f"{app_id} (App)")
    return row


async def create(rt: Runtime, values: dict, *, activate: bool = True, meta: RequestMeta | None = None):
    """`values` holds the client's metadata by its column names (client_name, grant_types,
    token_endpoint_auth_method, application_type, redirect_uris, response_types); all of it is
    checked first, and the client and its audit row are written together."""
    columns = clients.metadata(**{k: values.get(k) for k in METADATA})
    async with rt.db.transaction() as conn:
        # an app created inactive is never active, not even for a moment
        row, secret = await clients.insert(conn, rt, columns, "ACTIVE" if activate else "INACTIVE")
        await audit.record(conn, rt.now_ms(), "application.lifecycle.create", "SUCCESS", meta=meta,
                           client_id=row.client_id)
        return row, secret


async def replace(rt: Runtime, app_id: str, values: dict, meta: RequestMeta | None = None):
    """PUT: name, grant types, redirect URIs and response types; what `values` omits keeps its
    stored value. The authentication method and the secret stay (a new secret comes from
    rotate_secret), though a method given is still checked."""
    fields.choice(values.get("token_endpoint_auth_method"), "app", "token_endpoint_auth_method",
                  clients.AUTH_METHODS, None)
    async with rt.db.transaction() as conn:
        row = await _row(conn, app_id)
        stored = {"client_name": row.client_name, "grant_types": json.loads(row.grant_types),
                  "redirect_uris": json.loads(row.redirect_uris), "response_types": json.loads(row.response_types)}
        columns = clients.metadata(**{**stored, **{k: values[k] for k in METADATA if k in values},
                                      "token_endpoint_auth_method": row.token_endpoint_auth_method})
        await client_store.update_client(conn, row.client_id, **{
            k: columns[k] for k in ("client_name", "grant_types", "redirect_uris", "response_types")})
        await audit.record(conn, rt.now_ms(), "application.lifecycle.update", "SUCCESS", meta=meta,
                           client_id=row.client_id, detail={"grant_types": json.loads(columns["grant_types"])})
    await clients.forget(rt, app_id)
    return await get(rt, app_id)


async def set_status(rt: Runtime, app_id: str, status: str, meta: RequestMeta | None = None) -> None:
    async with rt.db.transaction() as conn:
        row = await _row(conn, app_id)
        await client_store.update_client(conn, row.client_id, status=status)
        event = "application.lifecycle.activate" if status == "ACTIVE" else "application.lifecycle.deactivate"
        await audit.record(conn, rt.now_ms(), event, "SUCCESS", meta=meta, client_id=row.client_id)
    await clients.forget(rt, app_id)


async def delete(rt: Runtime, app_id: str, meta: RequestMeta | None = None) -> None:
    """Okta deletes only an inactive app."""
    async with rt.db.transaction() as conn:
        row = await _row(conn, app_id)
        if not await client_store.delete_client(conn, row.client_id):
            raise ValidationFailed("app", [("status", "Only an inactive app can be deleted. Deactivate it first.")])
        await audit.record(conn, rt.now_ms(), "application.lifecycle.delete", "SUCCESS", meta=meta,
                           client_id=row.client_id)
    await clients.forget(rt, app_id)


async def rotate_secret(rt: Runtime, app_id: str, meta: RequestMeta | None = None) -> tuple[object, str]:
    """A new client secret replaces the old one at once (shown once, stored hashed)."""
    async with rt.db.transaction() as conn:
        row = await _row(conn, app_id)
        if row.token_endpoint_auth_method == "none":
            raise ValidationFailed("app", [("client_secret", "A public client has no secret.")])
        secret = ids.client_secret()
        await client_store.update_client(conn, row.client_id, secret_hash=ids.token_hash(secret))
        await audit.record(conn, rt.now_ms(), "application.client_secret.rotate", "SUCCESS", meta=meta,
                           client_id=row.client_id)
        row = await _row(conn, app_id)
    await clients.forget(rt, app_id)
    return row, secret
