"""Okta's Apps API for OIDC apps: the same clients as /oauth2/v1/clients and the Auth0
dialect's, seen as applications (label, grant types, credentials, lifecycle)."""
from __future__ import annotations

import json

from ..domain import ids
from ..domain.errors import NotFound, ValidationFailed
from ..store import clients as client_store
from . import audit, clients, fields
from .runtime import RequestMeta, Runtime


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


def _oauth(body: dict) -> tuple[dict, dict]:
    if body.get("signOnMode", "OPENID_CONNECT") != "OPENID_CONNECT":
        raise ValidationFailed("app", [("signOnMode", "signOnMode: Only OPENID_CONNECT apps are supported.")])
    settings = fields.obj(fields.obj(body.get("settings"), "app", "settings").get("oauthClient"),
                          "app", "settings.oauthClient")
    credentials = fields.obj(fields.obj(body.get("credentials"), "app", "credentials").get("oauthClient"),
                             "app", "credentials.oauthClient")
    return settings, credentials


def _label(body: dict, default: str | None = None):
    """Okta's `label` is the app's name (`name` is its kind, oidc_client, used if no label)."""
    fields.text(body.get("name"), "app", "name")
    label = body.get("label")
    return label if label is not None else body.get("name") or default


async def create(rt: Runtime, body: dict, *, activate: bool = True, meta: RequestMeta | None = None):
    """The whole body is checked first; the client and its audit row are written together."""
    settings, credentials = _oauth(body)
    columns = clients.metadata(
        client_name=_label(body), grant_types=settings.get("grant_types"),
        token_endpoint_auth_method=credentials.get("token_endpoint_auth_method"),
        application_type=settings.get("application_type"), redirect_uris=settings.get("redirect_uris"),
        response_types=settings.get("response_types"), label="label")
    async with rt.db.transaction() as conn:
        # an app created inactive is never active, not even for a moment
        row, secret = await clients.insert(conn, rt, columns, "ACTIVE" if activate else "INACTIVE")
        await audit.record(conn, rt.now_ms(), "application.lifecycle.create", "SUCCESS", meta=meta,
                           client_id=row.client_id)
        return row, secret


async def replace(rt: Runtime, app_id: str, body: dict, meta: RequestMeta | None = None):
    """PUT: label, grant types, redirect URIs and response types. The authentication method and
    the secret stay (a new secret comes from rotate_secret); the whole body is still checked."""
    settings, credentials = _oauth(body)
    fields.choice(credentials.get("token_endpoint_auth_method"), "app", "token_endpoint_auth_method",
                  clients.AUTH_METHODS, None)
    async with rt.db.transaction() as conn:
        row = await _row(conn, app_id)
        columns = clients.metadata(
            client_name=_label(body, row.client_name),
            grant_types=settings.get("grant_types", json.loads(row.grant_types)),
            token_endpoint_auth_method=row.token_endpoint_auth_method,
            application_type=settings.get("application_type"),
            redirect_uris=settings.get("redirect_uris", json.loads(row.redirect_uris)),
            response_types=settings.get("response_types", json.loads(row.response_types)), label="label")
        await client_store.update_client(conn, row.client_id, **{
            k: columns[k] for k in ("client_name", "grant_types", "redirect_uris", "response_types")})
        await audit.record(conn, rt.now_ms(), "application.lifecycle.update", "SUCCESS", meta=meta,
                           client_id=row.client_id, detail={"grant_types": json.loads(columns["grant_types"])})
    clients.forget(app_id)
    return await get(rt, app_id)


async def set_status(rt: Runtime, app_id: str, status: str, meta: RequestMeta | None = None) -> None:
    async with rt.db.transaction() as conn:
        row = await _row(conn, app_id)
        await client_store.update_client(conn, row.client_id, status=status)
        event = "application.lifecycle.activate" if status == "ACTIVE" else "application.lifecycle.deactivate"
        await audit.record(conn, rt.now_ms(), event, "SUCCESS", meta=meta, client_id=row.client_id)
    clients.forget(app_id)


async def delete(rt: Runtime, app_id: str, meta: RequestMeta | None = None) -> None:
    """Okta deletes only an inactive app."""
    async with rt.db.transaction() as conn:
        row = await _row(conn, app_id)
        if not await client_store.delete_client(conn, row.client_id):
            raise ValidationFailed("app", [("status", "Only an inactive app can be deleted. Deactivate it first.")])
        await audit.record(conn, rt.now_ms(), "application.lifecycle.delete", "SUCCESS", meta=meta,
                           client_id=row.client_id)
    clients.forget(app_id)


async def rotate_secret(rt: Runtime, app_id: str, meta: RequestMeta | None = None) -> tuple[object, str]:
    """A new client secret replaces the old one at once (shown once, stored hashed)."""
    async with rt.db.transaction() as conn:
        row = await _row(conn, app_id)
        if row.token_endpoint_auth_method == "none":
            raise ValidationFailed("app", [("credentials", "A public client has no secret.")])
        secret = ids.client_secret()
        await client_store.update_client(conn, row.client_id, secret_hash=ids.token_hash(secret))
        await audit.record(conn, rt.now_ms(), "application.client_secret.rotate", "SUCCESS", meta=meta,
                           client_id=row.client_id)
        row = await _row(conn, app_id)
    clients.forget(app_id)
    return row, secret
