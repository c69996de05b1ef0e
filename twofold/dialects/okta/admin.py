"""Okta's admin plane: /api/v1/authenticators and /api/v1/policies (type MFA_ENROLL)."""
from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain.errors import NotFound, ValidationFailed
from ...services import enrollment_policies, fields, org_authenticators
from ..http import json_response, meta, read_json_object, runtime
from .endpoint import lifecycle_status, okta_endpoint
from .terms import in_okta_terms, renamed
from .views import iso, link

router = APIRouter()
AUTHENTICATORS = "/api/v1/authenticators"
POLICIES = "/api/v1/policies"
SETTINGS = ("allowedFor", "algorithm", "digits", "period", "tokenLifetimeInMinutes")
AUTHENTICATOR_PATHS = {name: "settings." + name for name in (*SETTINGS, "channels", "templates")}
# The settings Okta shows per key (the channels are its methods; templates are console settings).
OKTA_SETTINGS = {"phone_number": ("allowedFor",), "okta_email": ("allowedFor", "tokenLifetimeInMinutes")}
# Okta's method type of the authenticators whose one method is not a channel.
METHODS = {"okta_password": "password", "google_otp": "otp", "okta_verify": "totp",
           "security_question": "security_question"}
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
    settings = {k: v for k, v in org_authenticators.settings_of(row).items()
                if k in OKTA_SETTINGS.get(row.key, SETTINGS)}
    if settings:
        out["settings"] = settings
    out["_links"] = links
    return out


def method_object(row, method: str, on: bool, base_url: str) -> dict:
    """One of an authenticator's methods (Okta's AuthenticatorMethod): a channel of Phone or
    Email, ACTIVE while it is on and the authenticator is."""
    href = f"{base_url}api/v1/authenticators/{row.id}/methods/{method}"
    status = "ACTIVE" if on and row.status == "ACTIVE" else "INACTIVE"
    operation = "deactivate" if on else "activate"
    return {"type": method, "status": status,
            "_links": {"self": link(href, "GET", "PUT"), operation: link(f"{href}/lifecycle/{operation}", "POST")}}


def methods_of(row, base_url: str) -> list[dict]:
    channels = org_authenticators.channel_types(row.key)
    if not channels:  # a method per authenticator that sends nothing, with its authenticator's status
        return [{"type": METHODS.get(row.key, row.type), "status": row.status,
                 "_links": {"self": link(f"{base_url}api/v1/authenticators/{row.id}/methods/"
                                         f"{METHODS.get(row.key, row.type)}", "GET")}}]
    on = org_authenticators.enabled_channels(row.key, org_authenticators.settings_of(row))
    return [method_object(row, channel, channel in on, base_url) for channel in channels]


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


@router.get(AUTHENTICATORS + "/{authenticator_id}/methods")
@okta_endpoint("authenticators")
async def list_methods(request: Request, authenticator_id: str) -> Response:
    row = await org_authenticators.get(runtime(request), authenticator_id)
    return json_response(methods_of(row, _base(request)))


def _method(row, methods: list[dict], method_type: str) -> dict:
    found = next((m for m in methods if m["type"] == method_type), None)
    if found is None:
        raise NotFound(f"{method_type[:32]} (AuthenticatorMethod)")
    return found


@router.get(AUTHENTICATORS + "/{authenticator_id}/methods/{method_type}")
@okta_endpoint("authenticators")
async def get_method(request: Request, authenticator_id: str, method_type: str) -> Response:
    row = await org_authenticators.get(runtime(request), authenticator_id)
    return json_response(_method(row, methods_of(row, _base(request)), method_type))


@router.post(AUTHENTICATORS + "/{authenticator_id}/methods/{method_type}/lifecycle/{operation}")
@okta_endpoint("authenticators")
async def method_lifecycle(request: Request, authenticator_id: str, method_type: str, operation: str) -> Response:
    """Phone's sms and voice methods turn on and off here (the last one stays on)."""
    status = lifecycle_status(operation)
    rt = runtime(request)
    row = await org_authenticators.get(rt, authenticator_id)
    _method(row, methods_of(row, _base(request)), method_type)
    if method_type not in org_authenticators.channel_types(row.key) or len(
            org_authenticators.channel_types(row.key)) < 2:
        raise ValidationFailed("authenticator", [("methods", f"methods: The {method_type} method of {row.key} "
                                                             "has no lifecycle of its own.")])
    try:
        row = await org_authenticators.set_channel(rt, row.id, method_type, status == "ACTIVE", meta(request))
    except ValidationFailed as exc:
        raise in_okta_terms(exc, AUTHENTICATOR_PATHS) from None
    return json_response(_method(row, methods_of(row, _base(request)), method_type))


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
