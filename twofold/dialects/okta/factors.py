"""Okta Factors API: /api/v1/users/{userId}/factors…"""
from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ... import authenticators
from ...authenticators.question import QUESTIONS
from ...domain.errors import NotFound, UnsupportedFactor, ValidationFailed
from ...services import factors, fields, message_templates
from ..http import json_response, meta, read_json_object, runtime
from .. import hot
from .endpoint import okta_endpoint
from .errors import from_domain
from .users_lookup import resolve_user_id
from .views import catalog, challenge_object, factor_object, whole_number

router = APIRouter()
BASE = "/api/v1/users/{user_id}/factors"


def _render(request: Request, info) -> dict:
    rt = runtime(request)
    return factor_object(info, rt.settings.base_url, rt.now_ms())


@router.get(BASE)
@okta_endpoint("factors")
async def list_factors(request: Request, user_id: str) -> Response:
    uid = user_id  # an id or a login: the service resolves it in its own transaction
    return json_response([_render(request, i) for i in await factors.list_factors(runtime(request), uid)])


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").lower() == "true"


def _token_lifetime(request: Request) -> int | None:
    """Okta's `tokenLifetimeSeconds` (1–86400, default 300); the service caps it at 600 (R20)."""
    text = request.query_params.get("tokenLifetimeSeconds")
    if text is None:
        return None
    seconds = whole_number(text)
    if seconds is None or not 1 <= seconds <= 86400:
        raise ValidationFailed("tokenLifetimeSeconds", [
            ("tokenLifetimeSeconds", "tokenLifetimeSeconds: Must be a whole number of seconds from 1 to 86400.")])
    return seconds


def _message(request: Request) -> dict:
    """Which message a sent code goes in: Okta's `templateId` names one of the authenticator's
    templates, else `Accept-Language` picks the best language (services/message_templates)."""
    return {"template_id": request.query_params.get("templateId") or None,
            "languages": message_templates.languages_of(request.headers.get("accept-language"))}


@router.post(BASE)
@okta_endpoint("factors")
async def enroll_factor(request: Request, user_id: str) -> Response:
    uid = user_id  # an id or a login: the service resolves it in its own transaction
    body = await read_json_object(request)
    what = "factorEnrollRequest"
    factor_type = fields.text(body.get("factorType"), what, "factorType")
    provider = fields.text(body.get("provider"), what, "provider")
    profile = fields.obj(body.get("profile"), what, "profile")
    provider = "OKTA" if provider is None else provider.upper()
    kind = authenticators.for_okta(factor_type, provider)
    if kind is None:
        raise UnsupportedFactor(f"Factor type {factor_type} with provider {provider} is not supported.")
    activate = _flag(request, "activate")
    if activate and kind.confirmed_by_first_answer and kind.channel is None:
        # A secret shown once (TOTP) is confirmed by its first code, never auto-activated (R37);
        # Okta auto-activates sms, call and email only.
        raise ValidationFailed(what, [("activate", "Auto-activation is not supported for this factor.")])
    info = await factors.enroll_factor(runtime(request), uid, kind, provider, profile, meta(request),
                                       activate=activate,
                                       replace=_flag(request, "updatePhone") and kind.channel in ("sms", "voice"),
                                       ttl_seconds=_token_lifetime(request), **_message(request))
    return json_response(_render(request, info))


@router.get(BASE + "/catalog")
@okta_endpoint("factors")
async def factor_catalog(request: Request, user_id: str) -> Response:
    uid = user_id  # an id or a login: the service resolves it in its own transaction
    rt = runtime(request)
    return json_response(catalog(uid, rt.settings.base_url, await factors.catalog(rt, uid)))


@router.get(BASE + "/questions")
@okta_endpoint("factors")
async def factor_questions(request: Request, user_id: str) -> Response:
    await resolve_user_id(request, user_id)  # 404 for an unknown user
    return json_response([{"question": k, "questionText": v} for k, v in QUESTIONS.items()])


@router.get(BASE + "/{factor_id}")
@okta_endpoint("factors")
async def get_factor(request: Request, user_id: str, factor_id: str) -> Response:
    uid = user_id  # an id or a login: the service resolves it in its own transaction
    return json_response(_render(request, await factors.get_factor(runtime(request), uid, factor_id)))


@router.delete(BASE + "/{factor_id}")
@okta_endpoint("factors")
async def delete_factor(request: Request, user_id: str, factor_id: str) -> Response:
    uid = user_id  # an id or a login: the service resolves it in its own transaction
    await factors.delete(runtime(request), uid, factor_id, meta(request))
    return Response(status_code=204)


def _pass_code(body: dict) -> str | None:
    value = body.get("passCode")
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


@router.post(BASE + "/{factor_id}/lifecycle/activate")
@okta_endpoint("factors")
async def activate_factor(request: Request, user_id: str, factor_id: str) -> Response:
    uid = user_id  # an id or a login: the service resolves it in its own transaction
    body = await read_json_object(request)
    code = _pass_code(body)
    if not code:
        raise ValidationFailed("passCode", [("passCode", "passCode: The field cannot be left blank")])
    view = await factors.activate(runtime(request), uid, factor_id, code, meta(request))
    return json_response(_render(request, view))


@router.post(BASE + "/{factor_id}/resend")
@okta_endpoint("factors")
async def resend_factor(request: Request, user_id: str, factor_id: str) -> Response:
    """A new code for a factor awaiting activation; the one sent before stops working. Okta's
    body names the factor type (and provider), which the path already says: checked to be
    text, and not used."""
    body = await read_json_object(request)
    for member in ("factorType", "provider"):
        fields.text(body.get(member), "factorResendRequest", member)
    info = await factors.send_code(runtime(request), user_id, factor_id, meta(request), pending=True,
                                   ttl_seconds=_token_lifetime(request), **_message(request))
    return json_response(_render(request, info))


@hot.post(BASE + "/{factor_id}/verify")
@okta_endpoint("verify")
async def verify_factor(request: Request, user_id: str, factor_id: str) -> Response:
    uid = user_id  # an id or a login: the service resolves it in its own transaction
    body = await read_json_object(request)
    answer = body.get("answer")
    code = _pass_code(body)
    answer = answer if isinstance(answer, str) and answer else None
    if code is None and answer is None:
        rt = runtime(request)
        # sms, call, email: no passCode asks for a code (reference B.4); one read of the
        # factor serves the send and the answer.
        info = await factors.send_code(rt, uid, factor_id, meta(request), pending=False,
                                       ttl_seconds=_token_lifetime(request), if_channel=True, **_message(request))
        if info is not None:
            return json_response(challenge_object(info, rt.settings.base_url))
        # Nothing to check is a malformed request, not a wrong guess: it is not counted.
        raise ValidationFailed("passCode", [("passCode", "passCode: The field cannot be left blank")])
    await factors.verify(runtime(request), uid, factor_id, code, answer, meta(request))
    return json_response({"factorResult": "SUCCESS"})


@router.get(BASE + "/{factor_id}/qr/{token}")
async def factor_qr(request: Request, user_id: str, factor_id: str, token: str) -> Response:
    """The QR link is a capability (like Okta's): no API token, no secret in the URL."""
    try:
        png = await factors.qr_png(runtime(request), user_id, factor_id, token)
    except NotFound as exc:
        return from_domain(exc)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
