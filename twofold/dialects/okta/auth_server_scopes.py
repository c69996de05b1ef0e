"""Okta's /api/v1/authorizationServers/{authServerId}/scopes and /claims. The server's token
endpoint refuses scopes it does not define (services/server_policies) and puts its claims into
the tokens it issues (services/claims)."""
from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain.errors import ValidationFailed
from ...services import fields, server_scopes
from ..http import json_response, meta, read_json_object, runtime
from .endpoint import okta_endpoint
from .terms import in_okta_terms, renamed
from .views import link

router = APIRouter()
BASE = "/api/v1/authorizationServers/{server_id}"

# Okta's members: the service's fields (the scope's and claim's columns)
SCOPE_MEMBERS = {"name": "name", "displayName": "display_name", "description": "description", "default": "is_default",
                 "consent": "consent", "metadataPublish": "metadata_publish"}
CLAIM_MEMBERS = {"name": "name", "value": "value", "valueType": "value_type", "group_filter_type": "group_filter_type",
                 "status": "status", "claimType": "claim_type", "alwaysIncludeInToken": "always_include"}
SCOPE_PATHS = {neutral: member for member, neutral in SCOPE_MEMBERS.items()}
CLAIM_PATHS = {**{neutral: member for member, neutral in CLAIM_MEMBERS.items()}, "scopes": "conditions.scopes"}


def scope_values(body: dict) -> dict:
    """An OAuth2Scope body in the service's terms (what it omits stays omitted)."""
    return renamed(body, SCOPE_MEMBERS)


def claim_values(body: dict) -> dict:
    """An OAuth2Claim body in the service's terms (what it omits stays omitted)."""
    conditions = fields.obj(body.get("conditions"), "OAuth2Claim", "conditions")
    return {**renamed(body, CLAIM_MEMBERS), **renamed(conditions, {"scopes": "scopes"})}


def _href(request: Request, server_id: str, *parts: str) -> str:
    return "/".join([f"{runtime(request).settings.base_url}api/v1/authorizationServers/{server_id}", *parts])


def scope_object(request: Request, server_id: str, row) -> dict:
    return {
        "id": row.id, "name": row.name, "displayName": row.display_name, "description": row.description,
        "system": bool(row.system), "default": bool(row.is_default), "consent": row.consent,
        "metadataPublish": row.metadata_publish,
        "_links": {"self": link(_href(request, server_id, "scopes", row.id), "GET", "PUT", "DELETE")},
    }


def claim_object(request: Request, server_id: str, row) -> dict:
    claim = {
        "id": row.id, "name": row.name, "status": row.status, "claimType": row.claim_type,
        "valueType": row.value_type, "value": row.value, "alwaysIncludeInToken": bool(row.always_include),
        "conditions": {"scopes": json.loads(row.scopes)}, "system": bool(row.system),
        "_links": {"self": link(_href(request, server_id, "claims", row.id), "GET", "PUT", "DELETE")},
    }
    if row.group_filter_type:
        claim["group_filter_type"] = row.group_filter_type
    return claim


# --- scopes ------------------------------------------------------------------------------------

@router.get(BASE + "/scopes")
@okta_endpoint("authorizationServers")
async def list_scopes(request: Request, server_id: str) -> Response:
    rows = await server_scopes.list_scopes(runtime(request), server_id)
    return json_response([scope_object(request, server_id, r) for r in rows])


@router.post(BASE + "/scopes")
@okta_endpoint("authorizationServers")
async def create_scope(request: Request, server_id: str) -> Response:
    values = scope_values(await read_json_object(request))
    try:
        row = await server_scopes.create_scope(runtime(request), server_id, values, meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, SCOPE_PATHS) from None
    return json_response(scope_object(request, server_id, row), status=201)


@router.get(BASE + "/scopes/{scope_id}")
@okta_endpoint("authorizationServers")
async def get_scope(request: Request, server_id: str, scope_id: str) -> Response:
    row = await server_scopes.get_scope(runtime(request), server_id, scope_id)
    return json_response(scope_object(request, server_id, row))


@router.put(BASE + "/scopes/{scope_id}")
@okta_endpoint("authorizationServers")
async def replace_scope(request: Request, server_id: str, scope_id: str) -> Response:
    values = scope_values(await read_json_object(request))
    try:
        row = await server_scopes.replace_scope(runtime(request), server_id, scope_id, values, meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, SCOPE_PATHS) from None
    return json_response(scope_object(request, server_id, row))


@router.delete(BASE + "/scopes/{scope_id}")
@okta_endpoint("authorizationServers")
async def delete_scope(request: Request, server_id: str, scope_id: str) -> Response:
    await server_scopes.delete_scope(runtime(request), server_id, scope_id, meta(request))
    return Response(status_code=204)


# --- claims ------------------------------------------------------------------------------------

@router.get(BASE + "/claims")
@okta_endpoint("authorizationServers")
async def list_claims(request: Request, server_id: str) -> Response:
    rows = await server_scopes.list_claims(runtime(request), server_id)
    return json_response([claim_object(request, server_id, r) for r in rows])


@router.post(BASE + "/claims")
@okta_endpoint("authorizationServers")
async def create_claim(request: Request, server_id: str) -> Response:
    values = claim_values(await read_json_object(request))
    try:
        row = await server_scopes.create_claim(runtime(request), server_id, values, meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, CLAIM_PATHS) from None
    return json_response(claim_object(request, server_id, row), status=201)


@router.get(BASE + "/claims/{claim_id}")
@okta_endpoint("authorizationServers")
async def get_claim(request: Request, server_id: str, claim_id: str) -> Response:
    row = await server_scopes.get_claim(runtime(request), server_id, claim_id)
    return json_response(claim_object(request, server_id, row))


@router.put(BASE + "/claims/{claim_id}")
@okta_endpoint("authorizationServers")
async def replace_claim(request: Request, server_id: str, claim_id: str) -> Response:
    values = claim_values(await read_json_object(request))
    try:
        row = await server_scopes.replace_claim(runtime(request), server_id, claim_id, values, meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, CLAIM_PATHS) from None
    return json_response(claim_object(request, server_id, row))


@router.delete(BASE + "/claims/{claim_id}")
@okta_endpoint("authorizationServers")
async def delete_claim(request: Request, server_id: str, claim_id: str) -> Response:
    await server_scopes.delete_claim(runtime(request), server_id, claim_id, meta(request))
    return Response(status_code=204)
