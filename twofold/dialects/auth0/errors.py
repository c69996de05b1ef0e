"""The Auth0 dialect's error catalogue: every domain error, once, as Auth0 spells it
(reference A.1; statuses follow Auth0's oauth2orize mapping where the docs are silent)."""
from __future__ import annotations

from starlette.responses import Response

from ... import authenticators
from ...domain import errors as e
from ..http import json_response

Entry = tuple[int, str, str]

CATALOGUE: dict[type, Entry] = {
    e.InvalidRequest: (400, "invalid_request", "{detail}"),
    e.ValidationFailed: (400, "invalid_request", "{detail}"),
    e.InvalidClient: (401, "access_denied", "Unauthorized"),
    e.UnsupportedGrantType: (400, "unsupported_grant_type", "Unsupported grant type: {detail}"),
    e.GrantNotAllowed: (403, "unauthorized_client", "Grant type '{detail}' not allowed for the client."),
    e.InvalidCredentials: (403, "invalid_grant", "Wrong email or password."),
    e.UnknownRealm: (400, "invalid_request", "Unknown realm: {detail}"),
    e.AudienceRequired: (403, "access_denied",
                         "No audience parameter was provided, and no default audience has been configured"),
    e.AudienceNotAllowed: (403, "access_denied",
                           'Client is not authorized to access "{detail}": the MFA API acts on a user\'s '
                           "authenticators and takes no client-credentials token."),
    # Auth0's words for a client without a client grant for the API, or asking beyond it.
    e.AudienceNotGranted: (403, "access_denied",
                           'Client is not authorized to access "{detail}". You need to create a "client-grant" '
                           "associated to this API (twofold: TWOFOLD_MANAGEMENT_API_CLIENTS)."),
    e.ScopeNotGranted: (403, "access_denied", "Client has not been granted scopes: {detail}"),
    e.MalformedMfaToken: (403, "invalid_grant", "Malformed mfa_token"),
    e.MfaTokenExpired: (403, "expired_token", "mfa_token is expired"),
    e.InvalidSentCode: (403, "invalid_grant", "Invalid binding_code."),
    e.InvalidOtp: (403, "invalid_grant", "Invalid otp_code."),
    e.UnknownChallenge: (403, "invalid_grant", "Invalid oob_code."),
    e.ChallengeExpired: (403, "expired_token", "oob_code is expired"),
    e.SendLimited: (429, "too_many_attempts", "Too many messages sent. Wait before requesting another code."),
    e.CodeNotDelivered: (503, "server_error", "The code could not be sent. Try again."),
    # R69: the database or Redis cannot be reached; nothing was decided.
    e.Unavailable: (503, "server_error", "The service is temporarily unavailable. Try again."),
    e.InvalidRecoveryCode: (403, "invalid_grant", "Invalid recovery_code."),
    e.AlreadyEnrolled: (403, "access_denied", "User is already enrolled"),
    e.AuthenticatorNotAllowed: (403, "access_denied", "{detail}"),
    e.NotEnrolled: (401, "unsupported_challenge_type",
                    "User is not enrolled. You can use /mfa/associate endpoint to enroll the first authenticator."),
    e.UnsupportedChallengeType: (400, "unsupported_challenge_type",
                                 "The user does not support the requested challenge_type. Supported types: {detail}."),
    e.InvalidAuthenticator: (400, "invalid_authenticator", "{detail}"),
    e.NotFound: (404, "invalid_authenticator", "Authenticator not found"),
    e.NoRecoveryCode: (404, "invalid_authenticator", "The user has no recovery code."),
    e.InvalidToken: (401, "invalid_token", "Invalid token"),
    e.InsufficientScope: (403, "insufficient_scope", "Insufficient scope, expected any of: {detail}"),
    e.NoUsableFactor: (403, "access_denied",
                       "Multifactor authentication is required, but none of the user's authenticators can be used "
                       "here. An administrator can reset the user's authenticators."),
    e.SecondFactorRequired: (401, "insufficient_user_authentication",
                             "This token was obtained without multifactor authentication. Get one with "
                             "the mfa-otp or mfa-recovery-code grant."),
    e.InvalidRefreshToken: (403, "invalid_grant", "Unknown or invalid refresh token."),
    e.RefreshNeedsMfa: (403, "invalid_grant",
                        "Multifactor authentication is now required for this user: sign in again."),
    e.UserGone: (403, "invalid_grant", "The refresh_token was generated for a user who doesn't exist anymore."),
    e.Conflict: (409, "conflict", "{detail}"),
    # Not raised on Auth0's paths today (the Auth0 root has no access policies, no security
    # questions and no admin plane); explicit so that a new path answers in Auth0's words.
    e.InvalidScope: (400, "invalid_scope", "{detail}"),
    e.PolicyDenied: (403, "access_denied", "Policy evaluation failed for this request."),
    e.InvalidAnswer: (403, "invalid_grant", "Invalid answer."),
    e.UnsupportedFactor: (400, "invalid_request", "{detail}"),  # as /mfa/associate refuses a type
    e.FactorState: (400, "invalid_request", "{detail}"),
    e.AuthenticatorInUse: (409, "conflict", "{detail}"),
    e.SystemPolicy: (400, "invalid_request", "{detail}"),
}

TOO_MANY = {
    "mfa": "Too many failed codes. Wait for some minutes before retrying.",
    "password": "Your account has been blocked after multiple consecutive login attempts.",
}


def body_too_large() -> Response:
    """A request body over the configured limit: HTTP 413 in Auth0's OAuth shape."""
    return json_response({"error": "invalid_request", "error_description": "Request body too large."}, status=413)


def unmapped(exc: e.DomainError) -> Response:
    """The net under the catalogue; every domain error has an entry (tests/unit/test_error_catalogues.py)."""
    return json_response({"error": "invalid_request", "error_description": exc.detail}, status=400)


def mfa_requirements(step) -> dict:
    """The decision (domain.policy.NextStep) as Auth0 shows it: the factor types to challenge,
    or those /mfa/associate can enroll (each type enrolls with one provider there)."""
    if step.kind == "challenge":
        types = [v.auth0_type for v in step.factors]
    else:
        types = [authenticators.get(t).auth0_type for t, provider in step.options
                 if authenticators.get(t).auth0_provider == provider]
    return {step.kind: [{"type": t} for t in dict.fromkeys(types)]}


def auth0_error(exc: e.DomainError, *, basic_auth_used: bool = False) -> Response:
    if isinstance(exc, e.MfaRequired):
        return json_response(
            {"error": "mfa_required", "error_description": "Multifactor authentication required",
             "mfa_token": exc.mfa_token, "mfa_requirements": mfa_requirements(exc.step)},
            status=403,
        )
    if isinstance(exc, e.TooManyAttempts):
        return json_response(
            {"error": "too_many_attempts", "error_description": TOO_MANY[exc.kind]},
            status=429, headers={"Retry-After": str(exc.retry_after)} if exc.retry_after else None,
        )
    for cls in type(exc).__mro__:
        if cls in CATALOGUE:
            status, code, text = CATALOGUE[cls]
            break
    else:
        return unmapped(exc)
    headers = {}
    if isinstance(exc, e.InvalidClient) and basic_auth_used:
        headers["WWW-Authenticate"] = 'Basic realm="twofold"'  # RFC 6749 §5.2 (R49)
    if isinstance(exc, e.InvalidToken):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if isinstance(exc, e.SecondFactorRequired):  # RFC 9470 §3
        headers["WWW-Authenticate"] = 'Bearer error="insufficient_user_authentication"'
    if isinstance(exc, e.SendLimited):  # no code was sent; one may be asked for again after this
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, e.Unavailable):
        headers["Retry-After"] = "1"
    if isinstance(exc, e.InsufficientScope):
        headers["WWW-Authenticate"] = f'Bearer error="insufficient_scope", scope="{exc.scope}"'
    return json_response({"error": code, "error_description": text.format(detail=exc.detail)},
                         status=status, headers=headers)
