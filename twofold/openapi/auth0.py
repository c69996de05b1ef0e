"""The OpenAPI 3.1 document of the Auth0 dialect (served at /openapi/auth0.json): the
Authentication API's MFA subset (reference A), the OIDC endpoints beside it, and the one
Management API route twofold serves. Written from dialects/auth0 and dialects/oidc."""
from __future__ import annotations

from ..domain import grants
from .common import (
    BEARER, BOOLEAN, CLIENT, INTEGER, SSWS, STRING, array, document, obj, ok, operation, path_param,
    ref, request_form, request_json,
)

OAUTH = "OAuthError"
TAG_AUTH, TAG_MFA, TAG_OIDC, TAG_MANAGEMENT = "Authentication", "MFA", "OpenID Connect", "Management API"

CLIENT_PARAMS = {"client_id": STRING, "client_secret": STRING, "audience": STRING, "scope": STRING}

# One request schema per grant (reference A.1), chosen by `grant_type`.
GRANT_BODIES = {
    grants.PASSWORD: {"username": STRING, "password": STRING},
    grants.PASSWORD_REALM: {"username": STRING, "password": STRING, "realm": STRING},
    grants.MFA_OTP: {"mfa_token": STRING, "otp": STRING},
    grants.MFA_OOB: {"mfa_token": STRING, "oob_code": STRING, "binding_code": STRING},
    grants.MFA_RECOVERY_CODE: {"mfa_token": STRING, "recovery_code": STRING},
    grants.REFRESH_TOKEN: {"refresh_token": STRING},
    grants.CLIENT_CREDENTIALS: {},
}


def _grant_body(grant_type: str, members: dict) -> dict:
    required = ("grant_type", *(m for m in members if m not in ("binding_code", "realm")))
    return obj(tuple(required), grant_type={"const": grant_type}, **CLIENT_PARAMS, **members)


TOKEN_RESPONSE = obj(
    ("access_token", "token_type", "expires_in"),
    access_token=STRING, token_type={"const": "Bearer"}, expires_in=INTEGER, id_token=STRING, refresh_token=STRING,
    scope=STRING, recovery_code={"type": "string", "description": "mfa-recovery-code: the user's new recovery code"},
)
MFA_REQUIRED = obj(
    ("error", "error_description", "mfa_token"),
    error={"const": "mfa_required"}, error_description=STRING, mfa_token=STRING,
    mfa_requirements=obj(challenge=array(obj(("type",), type=STRING)), enroll=array(obj(("type",), type=STRING))),
)
ASSOCIATE_REQUEST = obj(
    ("authenticator_types",),
    authenticator_types={"type": "array", "items": {"enum": ["otp", "oob"]}, "minItems": 1},
    oob_channels={"type": "array", "items": {"enum": ["sms", "voice", "email"]}, "minItems": 1},
    phone_number={"type": "string", "description": "E.164, for sms and voice"},
    email={"type": "string", "description": "for the email channel"},
    client_id=STRING, client_secret=STRING,
)
ASSOCIATE_RESPONSE = obj(
    ("authenticator_type",),
    authenticator_type={"enum": ["otp", "oob"]}, secret=STRING, barcode_uri=STRING,
    binding_method={"const": "prompt"}, oob_channel=STRING, oob_code=STRING,
    recovery_codes=array(STRING),
)
CHALLENGE_REQUEST = obj(("client_id", "mfa_token"), client_id=STRING, client_secret=STRING, mfa_token=STRING,
                        challenge_type=STRING, authenticator_id=STRING, oob_channel=STRING)
CHALLENGE_RESPONSE = obj(("challenge_type",), challenge_type={"enum": ["otp", "oob"]}, oob_code=STRING,
                         binding_method={"const": "prompt"})
AUTHENTICATOR = obj(("id", "authenticator_type", "active", "type"), id=STRING,
                    authenticator_type={"enum": ["otp", "oob", "recovery-code"]}, active=BOOLEAN,
                    oob_channel=STRING, name=STRING, type=STRING)
JWKS = obj(("keys",), keys=array(obj(("kty",), kty=STRING, kid=STRING, use=STRING, alg=STRING, n=STRING, e=STRING)))
DISCOVERY = obj(("issuer", "jwks_uri", "token_endpoint"), issuer=STRING, jwks_uri=STRING, token_endpoint=STRING,
                grant_types_supported=array(STRING))

SCHEMAS = {
    "TokenRequest": {"oneOf": [_grant_body(g, m) for g, m in GRANT_BODIES.items()]},
    "TokenResponse": TOKEN_RESPONSE, "MfaRequired": MFA_REQUIRED,
    "AssociateRequest": ASSOCIATE_REQUEST, "AssociateResponse": ASSOCIATE_RESPONSE,
    "ChallengeRequest": CHALLENGE_REQUEST, "ChallengeResponse": CHALLENGE_RESPONSE,
    "Authenticator": AUTHENTICATOR, "Jwks": JWKS, "Discovery": DISCOVERY,
}

PATHS = {
    "/oauth/token": {"post": operation(
        "Token endpoint: password, password-realm, mfa-otp, mfa-oob, mfa-recovery-code, refresh_token, "
        "client_credentials (reference A.1). A second factor being needed is 403 mfa_required.",
        tag=TAG_AUTH, security=CLIENT, error=OAUTH, secret=True, body=request_form(ref("TokenRequest")),
        ok=ok(ref("TokenResponse")),
        extra={"403": {"description": "mfa_required, or another refusal",
                       "content": {"application/json": {"schema": {"anyOf": [ref("MfaRequired"), ref(OAUTH)]}}}}},
    )},
    "/oauth/revoke": {"post": operation(
        "Revoke a refresh token (RFC 7009): 200 whether or not it was known.",
        tag=TAG_AUTH, security=CLIENT, error=OAUTH,
        body=request_form(obj(("token",), token=STRING, client_id=STRING, client_secret=STRING,
                              token_type_hint=STRING)),
        ok=ok(None),
    )},
    "/mfa/associate": {"post": operation(
        "Enroll an authenticator (otp; oob with sms, voice or email) with the mfa_token as Bearer (A.3). "
        "The first association also returns the recovery code.",
        tag=TAG_MFA, security=BEARER, error=OAUTH, secret=True, body=request_json(ref("AssociateRequest")),
        ok=ok(ref("AssociateResponse")),
    )},
    "/mfa/challenge": {"post": operation(
        "Ask for a challenge: otp, or oob (a code is sent) (A.2).",
        tag=TAG_MFA, security=CLIENT, error=OAUTH, secret=True, body=request_form(ref("ChallengeRequest")),
        ok=ok(ref("ChallengeResponse")),
    )},
    "/mfa/authenticators": {"get": operation(
        "The user's authenticators (A.4); Bearer mfa_token or an access token for the MFA audience.",
        tag=TAG_MFA, security=BEARER, error=OAUTH, ok=ok(array(ref("Authenticator"))),
    )},
    "/mfa/authenticators/{authenticator_id}": {"delete": operation(
        "Remove an authenticator (A.5); the id is URL-encoded (`totp%7Cdev_…`).",
        tag=TAG_MFA, security=BEARER, error=OAUTH, params=[path_param("authenticator_id")],
        ok=ok(None, "204", "Removed"),
    )},
    "/api/v2/users/{user_id}/recovery-code-regeneration": {"post": operation(
        "Management API: replace a user's recovery code. An access token with update:users for the audience "
        "<issuer>api/v2/, or an admin API token (SSWS).",
        tag=TAG_MANAGEMENT, security=[*BEARER, *SSWS], error="Auth0ManagementError", secret=True,
        params=[path_param("user_id", "The user's id (a login is accepted too)")],
        ok=ok(obj(("recovery_code",), recovery_code=STRING)),
    )},
    "/.well-known/openid-configuration": {"get": operation(
        "OpenID Connect discovery.", tag=TAG_OIDC, security=[], error=OAUTH, ok=ok(ref("Discovery")),
    )},
    "/.well-known/jwks.json": {"get": operation(
        "The keys that sign tokens (RS256).", tag=TAG_OIDC, security=[], error=OAUTH, ok=ok(ref("Jwks")),
    )},
    "/authorize": {"get": operation(
        "Not available in this version: always 400 unsupported_response_type.", tag=TAG_OIDC, security=[],
        error=OAUTH, ok={},
    )},
    "/userinfo": {method: operation(
        "The signed-in user's claims (Bearer access token); a bad token is 401 with WWW-Authenticate and no body "
        "(RFC 6750 §3).", tag=TAG_OIDC, security=BEARER, error=OAUTH,
        ok=ok(obj(("sub",), sub=STRING)), extra={"401": {"description": "Invalid or missing token (no body)"}},
    ) for method in ("get", "post")},
}


def build() -> dict:
    return document(
        "twofold: Auth0 dialect",
        "The Auth0 Authentication API's MFA subset, OpenID Connect discovery, JWKS and userinfo, and the Management "
        "API's recovery-code regeneration, as twofold serves them. Errors: `{error, error_description}` "
        "(`{statusCode, error, message, errorCode}` under /api/v2/).",
        PATHS, SCHEMAS, [TAG_AUTH, TAG_MFA, TAG_OIDC, TAG_MANAGEMENT],
    )
