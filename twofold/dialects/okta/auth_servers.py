"""Okta's /api/v1/authorizationServers: the custom authorization servers (`default` and those
an administrator adds). Their access policies are in server_policies.py."""
from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...services import servers
from ..http import json_response, meta, read_json_object, runtime
from .endpoint import lifecycle_status, okta_endpoint
from .views import iso, link

router = APIRouter()
BASE = "/api/v1/authorizationServers"


def server_object(request: Request, row) -> dict:
    base = runtime(request).settings.base_url
    href = f"{base}api/v1/authorizationServers/{row.id}"
    issuer = servers.custom_issuer(runtime(request), row.id)
    op = "deactivate" if row.status == "ACTIVE" else "activate"
    return {
        "id": row.id, "name": row.name, "description": row.description, "audiences": json.loads(row.audiences),
        "issuer": issuer, "issuerMode": "ORG_URL", "status": row.status,
        "created": iso(row.created_at), "lastUpdated": iso(row.last_updated_at),
        "credentials": {"signing": {"rotationMode": "MANUAL", "use": "sig"}},
        "_links": {
            "self": link(href, "GET", "PUT", "DELETE"), "policies": link(href + "/policies", "GET", "POST"),
            op: link(f"{href}/lifecycle/{op}", "POST"),
            "metadata": [link(f"{issuer}/.well-known/openid-configuration", "GET"),
                         link(f"{issuer}/.well-known/oauth-authorization-server", "GET")],
        },
    }


@router.get(BASE)
@okta_endpoint("authorizationServers")
async def list_servers(request: Request) -> Response:
    return json_response([server_object(request, r) for r in await servers.list_custom(runtime(request))])


@router.post(BASE)
@okta_endpoint("authorizationServers")
async def create_server(request: Request) -> Response:
    row = await servers.create(runtime(request), await read_json_object(request), meta(request))
    return json_response(server_object(request, row))


@router.get(BASE + "/{server_id}")
@okta_endpoint("authorizationServers")
async def get_server(request: Request, server_id: str) -> Response:
    return json_response(server_object(request, await servers.custom_row(runtime(request), server_id)))


@router.put(BASE + "/{server_id}")
@okta_endpoint("authorizationServers")
async def replace_server(request: Request, server_id: str) -> Response:
    row = await servers.replace(runtime(request), server_id, await read_json_object(request), meta(request))
    return json_response(server_object(request, row))


@router.delete(BASE + "/{server_id}")
@okta_endpoint("authorizationServers")
async def delete_server(request: Request, server_id: str) -> Response:
    await servers.delete(runtime(request), server_id, meta(request))
    return Response(status_code=204)


@router.post(BASE + "/{server_id}/lifecycle/{operation}")
@okta_endpoint("authorizationServers")
async def server_lifecycle(request: Request, server_id: str, operation: str) -> Response:
    status = lifecycle_status(operation)
    await servers.set_status(runtime(request), server_id, status, meta(request))
    return Response(status_code=204)
