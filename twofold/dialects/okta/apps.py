"""Okta's /api/v1/apps for OIDC apps (the OAuth clients of both dialects)."""
from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain import ids
from ...domain.errors import ValidationFailed
from ...services import apps, fields
from ..http import json_response, meta, read_json_object, runtime
from .endpoint import lifecycle_status, okta_endpoint
from .terms import in_okta_terms, renamed
from .views import iso, link

router = APIRouter()
BASE = "/api/v1/apps"

SETTINGS = {k: k for k in ("grant_types", "application_type", "redirect_uris", "response_types")}
# Okta's names for the service's fields, where they differ
PATHS = {"client_name": "label", "client_secret": "credentials"}


def app_values(body: dict) -> dict:
    """An OPENID_CONNECT app body in the service's terms (what it omits stays omitted). Okta's
    `label` is the app's name; `name` is its kind (oidc_client), the name if no label is given."""
    if body.get("signOnMode", "OPENID_CONNECT") != "OPENID_CONNECT":
        raise ValidationFailed("app", [("signOnMode", "signOnMode: Only OPENID_CONNECT apps are supported.")])
    settings = fields.obj(fields.obj(body.get("settings"), "app", "settings").get("oauthClient"),
                          "app", "settings.oauthClient")
    credentials = fields.obj(fields.obj(body.get("credentials"), "app", "credentials").get("oauthClient"),
                             "app", "credentials.oauthClient")
    fields.text(body.get("name"), "app", "name")
    values = renamed(settings, SETTINGS)
    if "token_endpoint_auth_method" in credentials:
        values["token_endpoint_auth_method"] = credentials["token_endpoint_auth_method"]
    label = body.get("label")
    if label is not None or body.get("name"):
        values["client_name"] = label if label is not None else body["name"]
    return values


def app_object(request: Request, row, secret: str | None = None) -> dict:
    href = f"{runtime(request).settings.base_url}api/v1/apps/{row.client_id}"
    oauth = {"autoKeyRotation": True, "client_id": row.client_id,
             "token_endpoint_auth_method": row.token_endpoint_auth_method}
    if secret is not None:  # shown once: on creation and on rotation
        oauth["client_secret"] = secret
    op = "deactivate" if row.status == "ACTIVE" else "activate"
    return {
        "id": row.client_id, "name": "oidc_client", "label": row.client_name, "status": row.status,
        "signOnMode": "OPENID_CONNECT", "created": iso(row.created_at), "lastUpdated": iso(row.created_at),
        "credentials": {"userNameTemplate": {"template": "${source.login}", "type": "BUILT_IN"}, "oauthClient": oauth},
        "settings": {"app": {}, "oauthClient": {
            "application_type": row.application_type, "grant_types": json.loads(row.grant_types),
            "response_types": json.loads(row.response_types), "redirect_uris": json.loads(row.redirect_uris)}},
        "_links": {"self": link(href, "GET", "PUT", "DELETE"), op: link(f"{href}/lifecycle/{op}", "POST")},
    }


@router.get(BASE)
@okta_endpoint("apps")
async def list_apps(request: Request) -> Response:
    return json_response([app_object(request, r) for r in await apps.list_all(runtime(request))])


@router.post(BASE)
@okta_endpoint("apps")
async def create_app(request: Request) -> Response:
    activate = request.query_params.get("activate", "true").lower() != "false"
    values = app_values(await read_json_object(request))
    try:
        row, secret = await apps.create(runtime(request), values, activate=activate, meta=meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, PATHS) from None
    return json_response(app_object(request, row, secret))


@router.get(BASE + "/{app_id}")
@okta_endpoint("apps")
async def get_app(request: Request, app_id: str) -> Response:
    return json_response(app_object(request, await apps.get(runtime(request), app_id)))


@router.put(BASE + "/{app_id}")
@okta_endpoint("apps")
async def replace_app(request: Request, app_id: str) -> Response:
    values = app_values(await read_json_object(request))
    try:
        row = await apps.replace(runtime(request), app_id, values, meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, PATHS) from None
    return json_response(app_object(request, row))


@router.delete(BASE + "/{app_id}")
@okta_endpoint("apps")
async def delete_app(request: Request, app_id: str) -> Response:
    await apps.delete(runtime(request), app_id, meta(request))
    return Response(status_code=204)


@router.post(BASE + "/{app_id}/lifecycle/{operation}")
@okta_endpoint("apps")
async def app_lifecycle(request: Request, app_id: str, operation: str) -> Response:
    status = lifecycle_status(operation)
    await apps.set_status(runtime(request), app_id, status, meta(request))
    return json_response({})


@router.post(BASE + "/{app_id}/credentials/secrets")
@okta_endpoint("apps")
async def rotate_secret(request: Request, app_id: str) -> Response:
    try:
        row, secret = await apps.rotate_secret(runtime(request), app_id, meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, PATHS) from None
    now = iso(runtime(request).now_ms())
    return json_response({"id": ids.okta_id("ocs"), "status": "ACTIVE", "client_secret": secret,
                          "created": now, "lastUpdated": now})
