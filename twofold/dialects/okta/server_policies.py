"""Okta's /api/v1/authorizationServers/{authServerId}/policies and their rules."""
from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain.errors import ValidationFailed
from ...services import fields, server_policies
from ..http import json_response, meta, read_json_object, runtime
from .endpoint import lifecycle_status, okta_endpoint
from .terms import in_okta_terms
from .views import iso, link

router = APIRouter()
BASE = "/api/v1/authorizationServers/{server_id}/policies"


# Okta's member paths for the services' neutral field names: an errorCause names what was sent.
POLICY_PATHS = {"clients": "conditions.clients.include"}
RULE_PATHS = {"grant_types": "conditions.grantTypes.include", "scopes": "conditions.scopes.include",
              "access_token_minutes": "actions.token.accessTokenLifetimeMinutes",
              "refresh_token_minutes": "actions.token.refreshTokenLifetimeMinutes",
              "refresh_window_minutes": "actions.token.refreshTokenWindowMinutes"}
TOKEN_LIFETIMES = {"accessTokenLifetimeMinutes": "access_token_minutes",
                   "refreshTokenLifetimeMinutes": "refresh_token_minutes",
                   "refreshTokenWindowMinutes": "refresh_window_minutes"}


def policy_values(body: dict) -> dict:
    """An OAUTH_AUTHORIZATION_POLICY body in the service's terms (what it omits stays omitted)."""
    conditions = fields.obj(body.get("conditions"), "policy", "conditions")
    clients = fields.obj(conditions.get("clients"), "policy", "conditions.clients")
    values = {k: body[k] for k in ("name", "description", "status", "priority") if k in body}
    return {**values, "clients": clients.get("include")}


def rule_values(body: dict) -> dict:
    """A RESOURCE_ACCESS rule body in the service's terms (what it omits stays omitted)."""
    conditions = fields.obj(body.get("conditions"), "rule", "conditions")
    values = {k: body[k] for k in ("name", "status", "priority") if k in body}
    values["grant_types"] = fields.obj(conditions.get("grantTypes"), "rule", "conditions.grantTypes").get("include")
    scopes = fields.obj(conditions.get("scopes"), "rule", "conditions.scopes")
    if "include" in scopes:
        values["scopes"] = scopes["include"]
    token = fields.obj(fields.obj(body.get("actions"), "rule", "actions").get("token"), "rule", "actions.token")
    return {**values, **{name: token[key] for key, name in TOKEN_LIFETIMES.items() if key in token}}


def _href(request: Request, server_id: str, *parts: str) -> str:
    return "/".join([f"{runtime(request).settings.base_url}api/v1/authorizationServers/{server_id}/policies", *parts])


def policy_object(request: Request, server_id: str, row) -> dict:
    href = _href(request, server_id, row.id)
    links = {"self": link(href, "GET", "PUT", "DELETE"), "rules": link(href + "/rules", "GET", "POST")}
    op = "deactivate" if row.status == "ACTIVE" else "activate"
    links[op] = link(f"{href}/lifecycle/{op}", "POST")
    return {"type": "OAUTH_AUTHORIZATION_POLICY", "id": row.id, "status": row.status, "name": row.name,
            "description": row.description, "priority": row.priority, "system": False,
            "conditions": {"clients": {"include": json.loads(row.clients)}},
            "created": iso(row.created_at), "lastUpdated": iso(row.last_updated_at), "_links": links}


def rule_object(request: Request, server_id: str, policy_id: str, row) -> dict:
    href = _href(request, server_id, policy_id, "rules", row.id)
    op = "deactivate" if row.status == "ACTIVE" else "activate"
    return {
        "type": "RESOURCE_ACCESS", "id": row.id, "status": row.status, "name": row.name, "priority": row.priority,
        "created": iso(row.created_at), "lastUpdated": iso(row.last_updated_at), "system": False,
        "conditions": {
            "people": {"users": {"include": [], "exclude": []}, "groups": {"include": ["EVERYONE"], "exclude": []}},
            "grantTypes": {"include": json.loads(row.grant_types)},
            "scopes": {"include": json.loads(row.scopes)},
        },
        "actions": {"token": {"accessTokenLifetimeMinutes": row.access_token_minutes,
                              "refreshTokenLifetimeMinutes": row.refresh_token_minutes,
                              "refreshTokenWindowMinutes": row.refresh_window_minutes}},
        "_links": {"self": link(href, "GET", "PUT", "DELETE"), op: link(f"{href}/lifecycle/{op}", "POST")},
    }


@router.get(BASE)
@okta_endpoint("authorizationServers")
async def list_policies(request: Request, server_id: str) -> Response:
    rows = await server_policies.list_policies(runtime(request), server_id)
    return json_response([policy_object(request, server_id, r) for r in rows])


@router.post(BASE)
@okta_endpoint("authorizationServers")
async def create_policy(request: Request, server_id: str) -> Response:
    values = policy_values(await read_json_object(request))
    try:
        row = await server_policies.create_policy(runtime(request), server_id, values, meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, POLICY_PATHS) from None
    return json_response(policy_object(request, server_id, row), status=201)


@router.get(BASE + "/{policy_id}")
@okta_endpoint("authorizationServers")
async def get_policy(request: Request, server_id: str, policy_id: str) -> Response:
    row = await server_policies.get_policy(runtime(request), server_id, policy_id)
    return json_response(policy_object(request, server_id, row))


@router.put(BASE + "/{policy_id}")
@okta_endpoint("authorizationServers")
async def replace_policy(request: Request, server_id: str, policy_id: str) -> Response:
    values = policy_values(await read_json_object(request))
    try:
        row = await server_policies.replace_policy(runtime(request), server_id, policy_id, values, meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, POLICY_PATHS) from None
    return json_response(policy_object(request, server_id, row))


@router.delete(BASE + "/{policy_id}")
@okta_endpoint("authorizationServers")
async def delete_policy(request: Request, server_id: str, policy_id: str) -> Response:
    await server_policies.delete_policy(runtime(request), server_id, policy_id, meta(request))
    return Response(status_code=204)


@router.post(BASE + "/{policy_id}/lifecycle/{operation}")
@okta_endpoint("authorizationServers")
async def policy_lifecycle(request: Request, server_id: str, policy_id: str, operation: str) -> Response:
    status = lifecycle_status(operation)
    await server_policies.set_policy_status(runtime(request), server_id, policy_id, status, meta(request))
    return Response(status_code=204)


@router.get(BASE + "/{policy_id}/rules")
@okta_endpoint("authorizationServers")
async def list_rules(request: Request, server_id: str, policy_id: str) -> Response:
    rows = await server_policies.list_rules(runtime(request), server_id, policy_id)
    return json_response([rule_object(request, server_id, policy_id, r) for r in rows])


@router.post(BASE + "/{policy_id}/rules")
@okta_endpoint("authorizationServers")
async def create_rule(request: Request, server_id: str, policy_id: str) -> Response:
    values = rule_values(await read_json_object(request))
    try:
        row = await server_policies.create_rule(runtime(request), server_id, policy_id, values, meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, RULE_PATHS) from None
    return json_response(rule_object(request, server_id, policy_id, row), status=201)


@router.get(BASE + "/{policy_id}/rules/{rule_id}")
@okta_endpoint("authorizationServers")
async def get_rule(request: Request, server_id: str, policy_id: str, rule_id: str) -> Response:
    row = await server_policies.get_rule(runtime(request), server_id, policy_id, rule_id)
    return json_response(rule_object(request, server_id, policy_id, row))


@router.put(BASE + "/{policy_id}/rules/{rule_id}")
@okta_endpoint("authorizationServers")
async def replace_rule(request: Request, server_id: str, policy_id: str, rule_id: str) -> Response:
    values = rule_values(await read_json_object(request))
    try:
        row = await server_policies.replace_rule(runtime(request), server_id, policy_id, rule_id, values,
                                                 meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, RULE_PATHS) from None
    return json_response(rule_object(request, server_id, policy_id, row))


@router.delete(BASE + "/{policy_id}/rules/{rule_id}")
@okta_endpoint("authorizationServers")
async def delete_rule(request: Request, server_id: str, policy_id: str, rule_id: str) -> Response:
    await server_policies.delete_rule(runtime(request), server_id, policy_id, rule_id, meta(request))
    return Response(status_code=204)


@router.post(BASE + "/{policy_id}/rules/{rule_id}/lifecycle/{operation}")
@okta_endpoint("authorizationServers")
async def rule_lifecycle(request: Request, server_id: str, policy_id: str, rule_id: str, operation: str) -> Response:
    status = lifecycle_status(operation)
    await server_policies.set_rule_status(runtime(request), server_id, policy_id, rule_id, status, meta(request))
    return Response(status_code=204)
