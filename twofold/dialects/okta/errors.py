"""The Okta dialect's error catalogue (reference B.0)."""
from __future__ import annotations

import secrets
import time

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
NO_PERMISSION = "You do not have permission to perform the requested action"
UNAVAILABLE = "The service is temporarily unavailable. Try again."

# The errors of the OAuth and sign-in planes, should one reach a management path: (code, status,
# summary, cause); the cause "{detail}" is the error's own text, left out when it has none.
OTHER_PLANES: dict[type, tuple[str, int, str, str]] = {
    e.InvalidCredentials: ("E0000004", 401, "Authentication failed", ""),
    e.InvalidClient: ("E0000004", 401, "Authentication failed", ""),
    e.MalformedMfaToken: ("E0000011", 401, "Invalid token provided", ""),
    e.MfaTokenExpired: ("E0000011", 401, "Invalid token provided", ""),
    e.InvalidRefreshToken: ("E0000011", 401, "Invalid token provided", ""),
    e.UserGone: ("E0000011", 401, "Invalid token provided", ""),
    e.InvalidRecoveryCode: ("E0000068", 403, "Invalid Passcode/Answer", PASSCODE_MISMATCH),
    e.MfaRequired: ("E0000006", 403, NO_PERMISSION, "Multifactor authentication is required."),
    e.SecondFactorRequired: ("E0000006", 403, NO_PERMISSION,
                             "This token was obtained without multifactor authentication."),
    e.NoUsableFactor: ("E0000006", 403, NO_PERMISSION, "None of the user's factors can be used here."),
    e.InsufficientScope: ("E0000006", 403, NO_PERMISSION, "The access token lacks the scope {detail}."),
    e.AudienceNotAllowed: ("E0000006", 403, NO_PERMISSION, "No token of this grant for the audience {detail}."),
    e.GrantNotAllowed: ("E0000006", 403, NO_PERMISSION, "The grant type {detail} is not allowed for the client."),
    e.PolicyDenied: ("E0000006", 403, NO_PERMISSION, "Policy evaluation failed for this request."),
    e.AudienceRequired: ("E0000028", 400, "The request is missing a required parameter.", "audience"),
    e.InvalidScope: ("E0000001", 400, "Api validation failed: scope", "{detail}"),
    e.UnsupportedGrantType: ("E0000001", 400, "Api validation failed: grant_type", "{detail}"),
    e.UnsupportedChallengeType: ("E0000001", 400, "Api validation failed: challenge_type", "{detail}"),
    e.InvalidAuthenticator: ("E0000001", 400, "Api validation failed: authenticator", "{detail}"),
}


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


def unavailable() -> Response:
    """R69: the database or Redis cannot be reached, nothing was decided. Okta's server error
    code with HTTP 503 and Retry-After, which the Okta SDKs retry (reference B.0)."""
    return okta_error("E0000009", 503, "Internal Server Error", [UNAVAILABLE], headers={"Retry-After": "1"})


def from_domain(exc: e.DomainError) -> Response:
    if isinstance(exc, e.Unavailable):
        return unavailable()
    if isinstance(exc, e.InvalidOtp) and exc.replayed:
        # Okta's PASSCODE_REPLAYED: a code is accepted once (R1).
        return okta_error("E0000082", 403, "Each code can only be used once. Please wait for a new code and try again.")
    if isinstance(exc, e.InvalidOtp):
        return okta_error("E0000068", 403, "Invalid Passcode/Answer", [PASSCODE_MISMATCH])
    if isinstance(exc, (e.UnknownChallenge, e.ChallengeExpired)):
        # No code to check (none sent, or it expired): Okta's passcode refusal, saying why.
        return okta_error("E0000068", 403, "Invalid Passcode/Answer", [exc.detail])
    if isinstance(exc, e.SendLimited):
        # Okta's one code per phone per 30 s (and the send budgets, R27). The SDKs back off by
        # X-Rate-Limit-Reset against Date (reference B.0): the reset is when a send is allowed.
        reset = int(time.time()) + exc.retry_after
        return okta_error("E0000047", 429, "API call exceeded rate limit due to too many requests.",
                          headers={"Retry-After": str(exc.retry_after), "X-Rate-Limit-Limit": "1",
                                   "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(reset)})
    if isinstance(exc, e.CodeNotDelivered):
        # Retryable: the provider failed; nothing was sent that can be answered.
        return okta_error("E0000138", 503, "The message could not be delivered.", [exc.detail],
                          headers={"Retry-After": "1"})
    if isinstance(exc, e.InvalidAnswer):
        return okta_error("E0000068", 403, "Invalid Passcode/Answer",
                          ["Your answer doesn't match our records. Please try again."])
    if isinstance(exc, e.TooManyAttempts):
        return okta_error("E0000069", 403, "User Locked",
                          ["Your account has been locked because of too many sign in attempts."],
                          headers={"Retry-After": str(exc.retry_after)} if exc.retry_after else None)
    if isinstance(exc, e.AlreadyEnrolled):  # or, with its detail, another number or address is active
        return okta_error("E0000001", 400, "Api validation failed: factorEnrollRequest",
                          [exc.detail or "A factor of this type is already set up."])
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
    for cls in type(exc).__mro__:
        if cls in OTHER_PLANES:
            code, status, summary, cause = OTHER_PLANES[cls]
            cause = cause.format(detail=exc.detail)
            return okta_error(code, status, summary, [cause] if cause else [])
    return unmapped(exc)


def unmapped(exc: e.DomainError) -> Response:
    """The net under the catalogue; every domain error has an entry (tests/unit/test_error_catalogues.py)."""
    return internal_error()
