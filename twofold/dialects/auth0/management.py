"""Auth0's Management API (`/api/v2/`), as far as twofold serves it: regenerating a user's
recovery code. The caller is an administrator: a client-credentials access token for the
audience `<issuer>api/v2/` with `update:users` (Auth0's requirement), or twofold's admin API
token (`SSWS <token>`, the same admin plane as the Okta management API).

Errors have the Management API's shape, `{"statusCode", "error", "message", "errorCode"}`
(`errorCode` where Auth0 sends one); this module is that shape's catalogue."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain import errors as e
from ...domain import grants
from ...services import api_tokens, recovery_codes, tokens
from ..http import json_response, meta, runtime, ssws_token
from . import errors as auth0_errors

router = APIRouter()
PREFIX = "/api/v2/"
MAX_ID = 320  # the longest user id or login twofold stores

REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}

# (status, message, errorCode or None); `{detail}` is the domain error's detail.
CATALOGUE: dict[type, tuple[int, str, str | None]] = {
    e.InvalidToken: (401, "Invalid token", None),
    e.InsufficientScope: (403, "Insufficient scope, expected any of: {detail}", "insufficient_scope"),
    e.NoRecoveryCode: (404, "The user has no recovery code to regenerate.", "inexistent_recovery_code"),
    e.NotFound: (404, "The user does not exist.", "inexistent_user"),
    e.Conflict: (409, "{detail}", "conflict"),
    e.MfaRequired: (403, "Multifactor authentication required", "mfa_required"),  # not raised here today
}


def management_error(status: int, message: str, error_code: str | None = None,
                     headers: dict | None = None) -> Response:
    body = {"statusCode": status, "error": REASONS.get(status, "Bad Request"), "message": message}
    if error_code:
        body["errorCode"] = error_code
    return json_response(body, status=status, headers=headers)


def from_domain(exc: e.DomainError) -> Response:
    if isinstance(exc, e.Unavailable):  # R69: the database or Redis cannot be reached
        return management_error(503, "The service is temporarily unavailable. Try again.", None,
                                {"Retry-After": "1"})
    if isinstance(exc, e.TooManyAttempts):
        return management_error(429, "Too many requests. Try again later.", "too_many_requests")
    for cls in type(exc).__mro__:
        if cls in CATALOGUE:
            status, text, code = CATALOGUE[cls]
            headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if status == 401 else None
            return management_error(status, text.format(detail=exc.detail), code, headers)
    # Not raised on this API's paths today: the Authentication API's status and words.
    for cls in type(exc).__mro__:
        if cls in auth0_errors.CATALOGUE:
            status, code, text = auth0_errors.CATALOGUE[cls]
            return management_error(status, text.format(detail=exc.detail), code)
    return unmapped(exc)


def unmapped(exc: e.DomainError) -> Response:
    """The net under the catalogue; every domain error has an entry (tests/unit/test_error_catalogues.py)."""
    return management_error(400, exc.detail or "Bad Request.")


def internal_error() -> Response:
    return management_error(500, "Internal error.")


def not_routed(status: int) -> Response:
    """An unknown path or method under /api/v2/ (Auth0 serves many more; twofold only these)."""
    return management_error(status, "Not Found" if status == 404 else "Method Not Allowed")


class _Unauthorized(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


@dataclass(frozen=True)
class Caller:
    """Who called: what they may do here, and what the audit row records of them."""

    scopes: frozenset[str]
    client_id: str | None  # a client-credentials token's client
    detail: dict | None  # what the audit row says of an admin API token

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise e.InsufficientScope(scope)


async def _caller(request: Request) -> Caller:
    header = request.headers.get("authorization", "")
    if not header.strip():
        raise _Unauthorized("Missing authentication")
    ssws = ssws_token(header)
    if ssws is not None:  # an administrator's API token may do everything this API serves
        token_id = await api_tokens.authenticate(runtime(request), ssws)
        return Caller(grants.MANAGEMENT_API_SCOPES, None, {"requestApiTokenId": token_id})
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise _Unauthorized("Bad HTTP authentication header format")
    scopes, client_id = tokens.management_caller(runtime(request), value.strip())
    return Caller(scopes, client_id, None)


def management_endpoint(handler):
    """Authenticates the caller and answers every refusal in the Management API's shape."""

    @functools.wraps(handler)
    async def wrapped(request: Request, **kwargs) -> Response:
        try:
            request.state.management_caller = await _caller(request)
            return await handler(request=request, **kwargs)
        except _Unauthorized as exc:
            return management_error(401, exc.message, headers={"WWW-Authenticate": "Bearer"})
        except e.DomainError as exc:
            return from_domain(exc)

    return wrapped


def _bad_id(user_id: str) -> Response | None:
    problem = None
    if len(user_id) > MAX_ID:
        problem = f"String is too long ({len(user_id)} chars), maximum {MAX_ID}"
    elif not user_id.strip() or not user_id.isprintable():
        problem = "String is not a user id"
    if problem is None:
        return None
    return management_error(400, f"Path validation error: '{problem}' on property id (ID of the user to "
                                 "regenerate a multi-factor authentication recovery code for).", "invalid_uri")


@router.post(PREFIX + "users/{user_id}/recovery-code-regeneration")
@management_endpoint
async def regenerate_recovery_code(request: Request, user_id: str) -> Response:
    """Auth0: "Remove an existing multi-factor authentication (MFA) recovery code and generate a
    new one"; needs `update:users`. The user is named by id (a login is accepted too)."""
    caller: Caller = request.state.management_caller
    caller.require("update:users")
    refused = _bad_id(user_id)
    if refused is not None:
        return refused
    code = await recovery_codes.regenerate(runtime(request), user_id, meta(request), client_id=caller.client_id,
                                           detail=caller.detail)
    return json_response({"recovery_code": code})  # a secret: no-store (json_response's default)
