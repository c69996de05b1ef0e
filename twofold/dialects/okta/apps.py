"""Okta's /api/v1/apps for OIDC apps (the OAuth clients of both dialects)."""
from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain import ids
from ...services import apps
from ..http import json_response, meta, read_json_object, runtime
from .endpoint import lifecycle_status, okta_endpoint
from .views import iso, link

router = APIRouter()
BASE = "/api/v1/apps"


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
    row, secret = await apps.create(runtime(request), await read_json_object(request), activate=activate,
                                    meta=meta(request))
    return json_response(app_object(request, row, secret))


@router.get(BASE + "/{app_id}")
@okta_endpoint("apps")
async def get_app(request: Request, app_id: str) -> Response:
    return json_response(app_object(request, await apps.get(runtime(request), app_id)))


@router.put(BASE + "/{app_id}")
@okta_endpoint("apps")
async def replace_app(request: Request, app_id: str) -> Response:
    row = await apps.replace(runtime(request), app_id, await read_json_object(request), meta(request))
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
    row, secret = await apps.rotate_secret(runtime(request), app_id, meta(request))
    now = iso(runtime(request).now_ms())
    return json_response({"id": ids.okta_id("ocs"), "status": "ACTIVE", "client_secret": secret,
                          "created": now, "lastUpdated": now})
