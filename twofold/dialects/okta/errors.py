"""The Okta dialect's error catalogue (reference B.0)."""
from __future__ import annotations

import secrets

from starlette.responses import Response

from ...domain import errors as e
from ..http import json_response


def okta_error(code: str, status: int, summary: str, causes: list[str] | None = None,
               headers: dict | None = None) -> Response:
    body = {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oae" + secrets.token_urlsafe(16)[:22],
        "errorCauses": [{"errorSummary": c} for c in (causes or [])],
    }
    return json_response(body, status=status, headers=headers)


PASSCODE_MISMATCH = "Your passcode doesn't match our records. Please try again."


def body_too_large() -> Response:
    """A management request body over the configured limit: E0000003, HTTP 413."""
    return okta_error("E0000003", 413, "The request body was not well-formed.", ["Request body too large."])


def rate_limited(headers: dict | None = None) -> Response:
    """A management call over the per-token, per-endpoint-family limit: E0000047, HTTP 429."""
    return okta_error("E0000047", 429, "API call exceeded rate limit due to too many requests.", headers=headers)


def invalid_parameter(message: str) -> Response:
    """A query parameter that fails validation: E0000001, the message as summary and cause."""
    return okta_error("E0000001", 400, f"Api validation failed: {message}", [message])


def invalid_search() -> Response:
    """A `filter` or `search` expression on the Users API this server does not understand."""
    return okta_error("E0000031", 400, "Invalid search criteria.")


def invalid_log_parameter(message: str) -> Response:
    """A System Log query parameter (`filter`) that cannot be used."""
    return okta_error("E0000053", 400, message)


def internal_error() -> Response:
    """Anything unexpected on a management route: Okta's E0000009, HTTP 500."""
    return okta_error("E0000009", 500, "Internal Server Error")


def from_domain(exc: e.DomainError) -> Response:
    if isinstance(exc, e.InvalidOtp) and exc.replayed:
        # Okta's PASSCODE_REPLAYED: a code is accepted once (R1).
        return okta_error("E0000082", 403, "Each code can only be used once. Please wait for a new code and try again.")
    if isinstance(exc, e.InvalidOtp):
        return okta_error("E0000068", 403, "Invalid Passcode/Answer", [PASSCODE_MISMATCH])
    if isinstance(exc, e.InvalidAnswer):
        return okta_error("E0000068", 403, "Invalid Passcode/Answer",
                          ["Your answer doesn't match our records. Please try again."])
    if isinstance(exc, e.TooManyAttempts):
        return okta_error("E0000069", 403, "User Locked",
                          ["Your account has been locked because of too many sign in attempts."],
                          headers={"Retry-After": str(exc.retry_after)} if exc.retry_after else None)
    if isinstance(exc, e.AlreadyEnrolled):
        return okta_error("E0000001", 400, "Api validation failed: factorEnrollRequest",
                          ["A factor of this type is already set up."])
    if isinstance(exc, e.AuthenticatorNotAllowed):
        return okta_error("E0000001", 400, "Api validation failed: factorEnrollRequest", [exc.detail])
    if isinstance(exc, e.AuthenticatorInUse):
        return okta_error("E0000148", 403, "Cannot disable this authenticator because it is enabled in one or more "
                          "policies. To continue, disable the authenticator in these policies.", [exc.detail])
    if isinstance(exc, e.SystemPolicy):
        return okta_error("E0000001", 400, "Api validation failed: policy", [exc.detail])
    if isinstance(exc, e.UnsupportedFactor):
        return okta_error("E0000001", 400, "Api validation failed: factorEnrollRequest", [exc.detail])
    if isinstance(exc, e.FactorState):
        return okta_error("E0000001", 400, "Api validation failed: factor", [exc.detail])
    if isinstance(exc, e.NotEnrolled):
        return okta_error("E0000001", 400, "Api validation failed: factor", ["The factor is not active."])
    if isinstance(exc, e.InvalidToken):
        return okta_error("E0000011", 401, "Invalid token provided")
    if isinstance(exc, e.UserStatus) and exc.operation == "activate" and exc.status == "ACTIVE":
        return okta_error("E0000016", 403, "Activation failed because the user is already active")
    if isinstance(exc, e.ValidationFailed):
        return okta_error("E0000001", 400, f"Api validation failed: {exc.what}", [m for _, m in exc.causes])
    if isinstance(exc, e.Conflict):
        return okta_error("E0000001", 400, f"Api validation failed: {exc.field}", [exc.detail])
    if isinstance(exc, e.InvalidRequest):
        return okta_error("E0000003", 400, "The request body was not well-formed.", [exc.detail] if exc.detail else [])
    if isinstance(exc, e.NotFound):
        return okta_error("E0000007", 404, f"Not found: Resource not found: {exc.detail}")
    if isinstance(exc, e.UnknownRealm):
        return okta_error("E0000001", 400, "Api validation failed: realm", [f"Unknown realm: {exc.detail}"])
    return internal_error()  # pragma: no cover
