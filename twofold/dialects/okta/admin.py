"""Okta's admin plane: /api/v1/authenticators and /api/v1/policies (type MFA_ENROLL)."""
from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain.errors import ValidationFailed
from ...services import enrollment_policies, fields, org_authenticators
from ..http import json_response, meta, read_json_object, runtime
from .endpoint import lifecycle_status, okta_endpoint
from .terms import in_okta_terms, renamed
from .views import iso, link

router = APIRouter()
AUTHENTICATORS = "/api/v1/authenticators"
POLICIES = "/api/v1/policies"
SETTINGS = ("allowedFor", "algorithm", "digits", "period", "tokenLifetimeInMinutes")
AUTHENTICATOR_PATHS = {name: "settings." + name for name in SETTINGS}
POLICY_PATHS = {"authenticators": "settings.authenticators"}


def authenticator_values(body: dict) -> dict:
    """An authenticator body in the service's terms: key, name and the settings object."""
    settings = fields.obj(body.get("settings"), "authenticator", "settings")
    return {**renamed(body, {"key": "key", "name": "name"}), "settings": settings}


def policy_values(body: dict, *, type_required: bool) -> dict:
    """An MFA_ENROLL policy body in the service's terms: its members, and the AUTHENTICATORS
    form's entries as (key, enroll.self) pairs."""
    kind = body.get("type")
    if kind != enrollment_policies.TYPE and (type_required or kind is not None):
        raise ValidationFailed("policy", [("type", f"type: Only {enrollment_policies.TYPE} policies are "
                                                   "managed here.")])
    settings = fields.obj(body.get("settings"), "policy", "settings")
    entries = settings.get("authenticators")
    if settings.get("type", "AUTHENTICATORS") != "AUTHENTICATORS" or not isinstance(entries, list):
        raise ValidationFailed("policy", [("settings", "settings: Only the AUTHENTICATORS form (settings.type "
                                                       "AUTHENTICATORS, settings.authenticators) is supported.")])
    if not all(isinstance(entry, dict) for entry in entries):
        raise ValidationFailed("policy", [("settings.authenticators", "settings.authenticators: Each entry "
                                                                       "must be an object with key and enroll.")])
    pairs = [(e.get("key"), fields.obj(e.get("enroll"), "policy", "settings.authenticators.enroll").get("self"))
             for e in entries]
    values = renamed(body, {k: k for k in ("name", "description", "priority", "status")})
    return {**values, "authenticators": pairs}


def _policy_in_okta_terms(exc: ValidationFailed) -> ValidationFailed:
    okta = ValidationFailed(exc.what, [(f, m.replace(": enroll_self of ", ": enroll.self of ")) for f, m in exc.causes])
    return in_okta_terms(okta, POLICY_PATHS)


def authenticator_object(row, base_url: str) -> dict:
    href = f"{base_url}api/v1/authenticators/{row.id}"
    links = {"self": link(href, "GET", "PUT"), "methods": link(href + "/methods", "GET")}
    if row.key != "okta_password":  # Okta's password authenticator has no lifecycle links
        if row.status == "ACTIVE":
            links["deactivate"] = link(href + "/lifecycle/deactivate", "POST")
        else:
            links["activate"] = link(href + "/lifecycle/activate", "POST")
    out = {"type": row.type, "id": row.id, "key": row.key, "status": row.status, "name": row.name,
           "created": iso(row.created_at), "lastUpdated": iso(row.last_updated_at)}
    settings = org_authenticators.settings_of(row)
    if settings:
        out["settings"] = settings
    out["_links"] = links
    return out


def policy_object(row, authenticators, base_url: str) -> dict:
    """Settings list every ACTIVE authenticator (absent from the stored list: NOT_ALLOWED), as
    Okta shows them."""
    href = f"{base_url}api/v1/policies/{row.id}"
    entries = [{"key": a.key, "enroll": {"self": org_authenticators.enroll_self(row, a.key)}}
               for a in authenticators if a.status == "ACTIVE"]
    links = {"self": link(href, "GET", "PUT") if row.system else link(href, "GET", "PUT", "DELETE")}
    return {
        "id": row.id, "type": row.type, "status": row.status, "name": row.name, "description": row.description,
        "priority": row.priority, "system": bool(row.system),
        "conditions": json.loads(row.conditions) if row.conditions else None,
        "created": iso(row.created_at), "lastUpdated": iso(row.last_updated_at),
        "settings": {"type": "AUTHENTICATORS", "authenticators": entries},
        "_links": links,
    }


def _base(request: Request) -> str:
    return runtime(request).settings.base_url


@router.get(AUTHENTICATORS)
@okta_endpoint("authenticators")
async def list_authenticators(request: Request) -> Response:
    rows = await org_authenticators.list_all(runtime(request))
    return json_response([authenticator_object(r, _base(request)) for r in rows])


@router.post(AUTHENTICATORS)
@okta_endpoint("authenticators")
async def create_authenticator(request: Request) -> Response:
    values = authenticator_values(await read_json_object(request))
    activate = request.query_params.get("activate", "true").lower() != "false"
    try:
        row = await org_authenticators.create(runtime(request), values, activate=activate, meta=meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, AUTHENTICATOR_PATHS) from None
    return json_response(authenticator_object(row, _base(request)))


@router.get(AUTHENTICATORS + "/{authenticator_id}")
@okta_endpoint("authenticators")
async def get_authenticator(request: Request, authenticator_id: str) -> Response:
    row = await org_authenticators.get(runtime(request), authenticator_id)
    return json_response(authenticator_object(row, _base(request)))


@router.put(AUTHENTICATORS + "/{authenticator_id}")
@okta_endpoint("authenticators")
async def replace_authenticator(request: Request, authenticator_id: str) -> Response:
    values = authenticator_values(await read_json_object(request))
    try:
        row = await org_authenticators.replace(runtime(request), authenticator_id, values, meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, AUTHENTICATOR_PATHS) from None
    return json_response(authenticator_object(row, _base(request)))


@router.post(AUTHENTICATORS + "/{authenticator_id}/lifecycle/{operation}")
@okta_endpoint("authenticators")
async def authenticator_lifecycle(request: Request, authenticator_id: str, operation: str) -> Response:
    status = lifecycle_status(operation)
    row = await org_authenticators.set_status(runtime(request), authenticator_id, status, meta(request))
    return json_response(authenticator_object(row, _base(request)))


@router.get(POLICIES)
@okta_endpoint("policies")
async def list_policies(request: Request) -> Response:
    rows, authenticators = await enrollment_policies.list_all(runtime(request), request.query_params.get("type"))
    return json_response([policy_object(r, authenticators, _base(request)) for r in rows])


@router.post(POLICIES)
@okta_endpoint("policies")
async def create_policy(request: Request) -> Response:
    values = policy_values(await read_json_object(request), type_required=True)
    try:
        row, authenticators = await enrollment_policies.create(runtime(request), values, meta(request))
    except ValidationFailed as exc:
        raise _policy_in_okta_terms(exc) from None
    return json_response(policy_object(row, authenticators, _base(request)))


@router.get(POLICIES + "/{policy_id}")
@okta_endpoint("policies")
async def get_policy(request: Request, policy_id: str) -> Response:
    row, authenticators = await enrollment_policies.get(runtime(request), policy_id)
    return json_response(policy_object(row, authenticators, _base(request)))


@router.put(POLICIES + "/{policy_id}")
@okta_endpoint("policies")
async def replace_policy(request: Request, policy_id: str) -> Response:
    values = policy_values(await read_json_object(request), type_required=False)
    try:
        row, authenticators = await enrollment_policies.replace(runtime(request), policy_id, values, meta(request))
    except ValidationFailed as exc:
        raise _policy_in_okta_terms(exc) from None
    return json_response(policy_object(row, authenticators, _base(request)))


@router.delete(POLICIES + "/{policy_id}")
@okta_endpoint("policies")
async def delete_policy(request: Request, policy_id: str) -> Response:
    await enrollment_policies.delete(runtime(request), policy_id, meta(request))
    return Response(status_code=204)
