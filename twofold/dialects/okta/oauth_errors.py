"""Errors of Okta's OAuth endpoints (/oauth2/…/v1/token, /challenge): OAuth bodies with Okta's
texts (reference B.7)."""
from __future__ import annotations

from starlette.responses import Response

from ...domain import errors as e
from ..http import json_response
from . import errors as okta_errors

INVALID_CREDENTIALS = "The credentials provided were invalid."
MFA_REQUIRED = "Verify with an additional authenticator to complete the sign-in process."
EXPIRED = "The `mfa_token` has expired. Use a new `oob_code` or `mfa_token` and try again."
AUTHENTICATOR = ("The required authenticator can't be used. Check if it's required by policy and the user is "
                 "enrolled in the authenticator and try again.")

CATALOGUE: dict[type, tuple[int, str, str]] = {
    e.InvalidRequest: (400, "invalid_request", "{detail}"),
    e.InvalidScope: (400, "invalid_scope", "{detail}"),
    e.UnsupportedGrantType: (400, "unsupported_grant_type", "The grant type in the request isn't supported."),
    e.InvalidCredentials: (400, "invalid_grant", INVALID_CREDENTIALS),
    e.InvalidOtp: (400, "invalid_grant", INVALID_CREDENTIALS),
    e.InvalidRecoveryCode: (400, "invalid_grant", INVALID_CREDENTIALS),
    e.UnknownChallenge: (400, "access_denied", "The `oob_code` has expired. Use a new `oob_code` or `mfa_token` "
                                               "and try again."),
    e.ChallengeExpired: (400, "access_denied", "The `oob_code` has expired. Use a new `oob_code` or `mfa_token` "
                                               "and try again."),
    e.SendLimited: (429, "invalid_grant", "API call exceeded the rate limit due to too many requests."),
    e.CodeNotDelivered: (503, "temporarily_unavailable", "The code could not be sent. Try again."),
    e.MalformedMfaToken: (400, "access_denied", EXPIRED),
    e.MfaTokenExpired: (400, "access_denied", EXPIRED),
    e.NotEnrolled: (403, "access_denied", AUTHENTICATOR),
    e.NoUsableFactor: (403, "access_denied", AUTHENTICATOR),
    e.InvalidAuthenticator: (403, "access_denied", AUTHENTICATOR),
    e.UnsupportedChallengeType: (403, "access_denied",
                                 "`{detail}` isn't supported as a `challenge_type`. Try again with another value."),
    e.InvalidRefreshToken: (400, "invalid_grant", "The refresh token is invalid or expired."),
    e.UserGone: (400, "invalid_grant", "The refresh token is invalid or expired."),
    e.UnknownRealm: (400, "invalid_grant", INVALID_CREDENTIALS),
    e.PolicyDenied: (400, "access_denied",
                     "Policy evaluation failed for this request, please check the policy configurations."),
    e.InvalidAnswer: (400, "invalid_grant", INVALID_CREDENTIALS),
    e.AuthenticatorNotAllowed: (403, "access_denied", AUTHENTICATOR),
    e.UnsupportedFactor: (403, "access_denied", AUTHENTICATOR),
    e.FactorState: (403, "access_denied", AUTHENTICATOR),
    e.AlreadyEnrolled: (400, "invalid_request", "A factor of this type is already set up."),
    e.AudienceRequired: (400, "invalid_request", "The 'audience' parameter is required."),
    e.AudienceNotAllowed: (400, "access_denied", "The client isn't authorized to access the audience {detail}."),
    e.InvalidToken: (401, "invalid_token", "The access token is invalid."),  # RFC 6750 §3.1
    e.InsufficientScope: (403, "insufficient_scope", "The access token provided does not contain the required scopes."),
    e.SecondFactorRequired: (401, "insufficient_user_authentication",  # RFC 9470 §3
                             "A second factor is required for this request."),
    # The admin plane's refusals, should one reach an OAuth endpoint.
    e.ValidationFailed: (400, "invalid_request", "{detail}"),
    e.Conflict: (400, "invalid_request", "{detail}"),
    e.AuthenticatorInUse: (400, "invalid_request", "{detail}"),
    e.SystemPolicy: (400, "invalid_request", "{detail}"),
}


def unavailable() -> Response:
    """R69: the database or Redis cannot be reached; nothing was decided (RFC 6749's
    temporarily_unavailable, as for a code that could not be sent)."""
    return json_response({"error": "temporarily_unavailable", "error_description": okta_errors.UNAVAILABLE},
                         status=503, headers={"Retry-After": "1"})


def body_too_large() -> Response:
    """A request body over the configured limit (token, challenge, client registration)."""
    return json_response({"error": "invalid_request", "error_description": "Request body too large."}, status=413)


def invalid_client_metadata(causes: list[str]) -> Response:
    """Dynamic Client Registration (RFC 7591 §3.2.2): the metadata cannot be accepted."""
    return json_response({"error": "invalid_client_metadata", "error_description": "; ".join(causes)}, status=400)


def invalid_registration_request(detail: str) -> Response:
    """Dynamic Client Registration: the request itself is malformed (RFC 7591 §3.2.2)."""
    return json_response({"error": "invalid_request", "error_description": detail}, status=400)


def oauth_error(exc: e.DomainError, *, client=None, basic_auth_used: bool = False) -> Response:
    if isinstance(exc, e.Unavailable):
        return unavailable()
    if isinstance(exc, e.MfaRequired):
        return json_response({"error": "mfa_required", "error_description": MFA_REQUIRED, "mfa_token": exc.mfa_token},
                             status=403)
    if isinstance(exc, e.TooManyAttempts):
        return json_response({"error": "invalid_grant",
                              "error_description": "API call exceeded the rate limit due to too many requests."},
                             status=429, headers={"Retry-After": str(exc.retry_after)} if exc.retry_after else None)
    if isinstance(exc, e.InvalidClient):
        text = {"missing": "No client credentials found.",
                "unknown client": "Invalid value for the `client_id` parameter."}.get(
            exc.detail, "The client secret supplied for a confidential client is invalid.")
        headers = {"WWW-Authenticate": 'Basic realm="twofold"'} if basic_auth_used else None
        return json_response({"error": "invalid_client", "error_description": text}, status=401, headers=headers)
    if isinstance(exc, e.NotFound):  # an unknown authorization server: Okta's E0000007, as on the management API
        return okta_errors.from_domain(exc)
    if isinstance(exc, e.GrantNotAllowed):
        configured = ", ".join(client.grant_types) if client is not None else ""
        return json_response({"error": "unauthorized_client",
                              "error_description": "The client isn't authorized to use the provided grant type. "
                                                   f"Configured grant types: [{configured}]."}, status=400)
    for cls in type(exc).__mro__:
        if cls in CATALOGUE:
            status, code, text = CATALOGUE[cls]
            return json_response({"error": code, "error_description": text.format(detail=exc.detail)}, status=status)
    return unmapped(exc)


def unmapped(exc: e.DomainError) -> Response:
    """The net under the catalogue; every domain error has an entry (tests/unit/test_error_catalogues.py)."""
    return json_response({"error": "invalid_request", "error_description": exc.detail or "Invalid request."},
                         status=400)
