"""HTTP routes of the Auth0 dialect: parse, authenticate the caller, call a service, shape
the answer. No policy is decided here."""
from __future__ import annotations

import functools

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ... import authenticators
from ...authenticators.base import FactorType
from ...domain import contact, grants
from ...domain.errors import DomainError, InvalidRequest, UnsupportedGrantType, ValidationFailed
from ...grants import serving
from ...services import clients, enroll, mfa_login, tokens
from ..http import (
    BodyTooLarge, bearer_token, json_response, meta, read_json_object, read_params, refuse_query, runtime,
)
from .. import hot
from .client_auth import authenticate_client
from .errors import auth0_error, body_too_large

router = APIRouter()

# The grants /oauth/token serves, in the order discovery lists them (the handlers: twofold/grants).
GRANTS = serving(grants.PASSWORD, grants.PASSWORD_REALM, grants.MFA_OTP, grants.MFA_OOB, grants.MFA_RECOVERY_CODE,
                 grants.REFRESH_TOKEN, grants.CLIENT_CREDENTIALS)
# /mfa/associate: the member that carries where an `oob_channels` channel sends its codes (A.3).
CONTACT_PARAMS = {"sms": "phone_number", "voice": "phone_number", "email": "email"}


def auth0_endpoint(handler):
    """Answer every refusal in the Auth0 dialect's own format."""

    @functools.wraps(handler)
    async def wrapped(request: Request, **kwargs) -> Response:
        try:
            return await handler(request=request, **kwargs)
        except BodyTooLarge:
            return body_too_large()
        except DomainError as exc:
            return auth0_error(exc, basic_auth_used=getattr(request.state, "basic_auth_used", False))

    return wrapped


@hot.post("/oauth/token")
@auth0_endpoint
async def token(request: Request) -> Response:
    params = await read_params(request)
    grant_type = params.get("grant_type")
    if not grant_type:
        raise InvalidRequest("Missing required parameter: grant_type")
    client, _ = await authenticate_client(request, params)
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise UnsupportedGrantType(grant_type[:200])
    clients.authorize_grant(client, grant_type)
    for name in grant.REQUIRED:
        if name not in params:
            raise InvalidRequest(f"Missing required parameter: {name}")
    body = await grant.handle(runtime(request), client, params, meta(request), None)
    return json_response(body)


@router.post("/oauth/revoke")
@auth0_endpoint
async def revoke(request: Request) -> Response:
    params = await read_params(request)
    client, _ = await authenticate_client(request, params)
    if "token" not in params:
        raise InvalidRequest("Missing required parameter: token")
    await tokens.revoke(runtime(request), client, params["token"])
    return Response(status_code=200, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _one(body: dict, member: str, supported) -> str:
    """The one value of an array member of /mfa/associate (Auth0 enrolls one authenticator
    per call)."""
    values = body.get(member)
    if values is None:
        raise InvalidRequest(f"Missing required parameter: {member}")
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise InvalidRequest(f"{member} must be a non-empty array")
    unsupported = [v for v in dict.fromkeys(values) if v not in supported]
    if unsupported:
        raise InvalidRequest(f"Unsupported {member}: {', '.join(unsupported)}. Supported: {', '.join(supported)}.")
    if len(set(values)) > 1:
        raise InvalidRequest(f"{member} must name one value")
    return values[0]


def _associable(body: dict) -> tuple[FactorType, dict, str | None]:
    """The factor type /mfa/associate enrolls (`authenticator_types`, and for `oob` its
    `oob_channels`), the profile the type checks, and the request member it came from."""
    associable = authenticators.auth0_associable()
    channels = authenticators.auth0_channels()
    chosen = _one(body, "authenticator_types", [*associable, "oob"])
    if chosen != "oob":
        return associable[chosen], {}, None
    kind = channels[_one(body, "oob_channels", [*channels])]
    param = CONTACT_PARAMS[kind.channel]
    value = body.get(param)
    if value is None or value == "":
        raise InvalidRequest(f"Missing required parameter: {param}")
    if param == "phone_number" and not (isinstance(value, str) and value.startswith("+")):
        raise InvalidRequest("phone_number must be in E.164 format: + and the country code, then the number.")
    return kind, {kind.field: value}, param


@router.post("/mfa/associate")
@auth0_endpoint
async def associate(request: Request) -> Response:
    refuse_query(request)  # its answer is a secret; its request carries a token
    body = await read_json_object(request)
    kind, profile, param = _associable(body)
    try:
        made = await enroll.associate(runtime(request), bearer_token(request), kind, meta(request), profile)
    except ValidationFailed as exc:  # the number or address, refused by its type
        raise InvalidRequest(f"Invalid {param}: {exc.causes[0][1].split(': ', 1)[-1]}") from None
    if made.sent is None:
        answer = {"authenticator_type": made.kind.auth0_authenticator_type, "secret": made.secret,
                  "barcode_uri": made.key_uri}
    else:  # confirmed with the mfa-oob grant: this oob_code and the code sent as binding_code (A.3)
        answer = {"authenticator_type": made.kind.auth0_authenticator_type, "binding_method": "prompt",
                  "oob_channel": made.sent.channel, "oob_code": made.sent.oob_code}
    for companion, secret in made.companions:  # recovery codes: with the first association only
        answer[companion.auth0_shown_as] = [secret]
    return json_response(answer)


@router.post("/mfa/challenge")
@auth0_endpoint
async def challenge(request: Request) -> Response:
    params = await read_params(request)
    client, _ = await authenticate_client(request, params)
    if "mfa_token" not in params:
        raise InvalidRequest("Missing required parameter: mfa_token")
    chosen = await mfa_login.challenge(
        runtime(request), client, params["mfa_token"], params.get("challenge_type"),
        params.get("authenticator_id"), meta(request), channel=_channel(params.get("oob_channel")),
    )
    answer = {"challenge_type": chosen.view.auth0_authenticator_type}
    if chosen.sent is not None:  # the user reads the code and sends it as binding_code (reference A.2)
        answer.update(oob_code=chosen.sent.oob_code, binding_method="prompt")
    return json_response(answer)


def _channel(value) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidRequest("oob_channel must be a string")
    return value


def _authenticator(view) -> dict:
    entry = {"id": view.auth0_id, "authenticator_type": view.auth0_authenticator_type,
             "active": view.status == "ACTIVE"}
    kind = authenticators.get(view.type)
    if kind.channel is not None:  # where its codes go, masked as Auth0 masks them (A.4)
        to = kind.destination(view) or ""
        entry["oob_channel"] = kind.channel
        entry["name"] = contact.mask_email(to) if kind.channel == "email" else contact.mask_phone_digits(to)
    entry["type"] = view.auth0_type  # SDKs filter by `type` (reference A.4)
    return entry


@router.get("/mfa/authenticators")
@auth0_endpoint
async def list_authenticators(request: Request) -> Response:
    views = await enroll.list_for(runtime(request), bearer_token(request))
    return json_response([_authenticator(v) for v in views])


@router.delete("/mfa/authenticators/{authenticator_id:path}")
@auth0_endpoint
async def delete_authenticator(authenticator_id: str, request: Request) -> Response:
    await enroll.remove(runtime(request), bearer_token(request), authenticator_id, meta(request))
    return Response(status_code=204)
