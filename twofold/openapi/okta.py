"""The OpenAPI 3.1 document of the Okta dialect (served at /openapi/okta.json): Users, Factors
and direct authentication here (reference B), the admin plane in okta_admin.py. Written from
dialects/okta (views.py draws the objects)."""
from __future__ import annotations

from . import okta_admin
from .common import (
    ANY_OBJECT, CLIENT, INTEGER, NULLABLE_STRING, SSWS, STRING, TIMESTAMP, array, document, obj, ok,
    operation, path_param, query_param, ref, request_form, request_json,
)

OKTA, OAUTH = "OktaError", "OAuthError"
TAG_USERS, TAG_FACTORS, TAG_OAUTH = "Users", "Factors", "OAuth 2.0 (direct authentication)"
USER, FACTOR = path_param("user_id", "A user id, or the login"), path_param("factor_id")
OAUTH_OR_OKTA = {"anyOf": [ref(OAUTH), ref(OKTA)]}  # an unknown authorization server is E0000007 (404)

LINK = obj(("href",), href=STRING, hints=obj(allow=array(STRING)), name=STRING, type=STRING)
LINKS = {"type": "object", "additionalProperties": {"anyOf": [ref("Link"), array(ref("Link"))]}}

USER_OBJECT = obj(
    ("id", "status", "created", "profile", "_links"),
    id=STRING, status={"enum": ["STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT",
                                "SUSPENDED", "DEPROVISIONED"]},
    created=TIMESTAMP, activated=TIMESTAMP, statusChanged=TIMESTAMP, lastLogin=TIMESTAMP, lastUpdated=TIMESTAMP,
    passwordChanged=TIMESTAMP, type=ANY_OBJECT,
    profile=obj(("login",), login=STRING, email=NULLABLE_STRING, firstName=NULLABLE_STRING,
                lastName=NULLABLE_STRING, mobilePhone=NULLABLE_STRING),
    credentials=obj(password=ANY_OBJECT, provider=obj(type=STRING, name=STRING)), _links=LINKS,
)
USER_REQUEST = obj(
    ("profile",),
    profile=obj(("login",), login=STRING, email=STRING, firstName=STRING, lastName=STRING, mobilePhone=STRING),
    credentials=obj(password=obj(value=STRING)),
)
ACTIVATION = obj(("timeStep", "sharedSecret", "encoding", "keyLength"), timeStep=INTEGER, sharedSecret=STRING,
                 encoding={"const": "base32"}, keyLength=INTEGER, _links=LINKS)
FACTOR_OBJECT = obj(
    ("id", "factorType", "provider", "status", "_links"),
    id=STRING, factorType={"enum": ["token:software:totp", "sms", "call", "email", "question"]},
    provider={"enum": ["OKTA", "GOOGLE"]}, vendorName=STRING,
    status={"enum": ["PENDING_ACTIVATION", "ACTIVE", "EXPIRED", "INACTIVE", "NOT_SETUP"]},
    created=TIMESTAMP, lastUpdated=TIMESTAMP, profile=ANY_OBJECT, _links=LINKS,
    _embedded=obj(activation=ACTIVATION, _links=LINKS),
)
FACTOR_REQUEST = obj(
    ("factorType",),
    factorType={"enum": ["token:software:totp", "sms", "call", "email", "question"]},
    provider={"enum": ["OKTA", "GOOGLE"]},
    profile=obj(phoneNumber=STRING, phoneExtension=STRING, email=STRING, question=STRING, answer=STRING),
)
VERIFY_RESPONSE = obj(("factorResult",), factorResult={"enum": ["SUCCESS", "CHALLENGE"]}, profile=ANY_OBJECT,
                      _links=LINKS)
CLIENT_REGISTRATION = obj(
    client_name=STRING, grant_types=array(STRING),
    token_endpoint_auth_method={"enum": ["client_secret_basic", "client_secret_post", "none"]},
    application_type=STRING, redirect_uris=array(STRING), response_types=array(STRING),
)
CLIENT_REGISTERED = obj(
    ("client_id", "client_id_issued_at", "grant_types", "token_endpoint_auth_method"),
    client_id=STRING, client_id_issued_at=INTEGER, client_name=NULLABLE_STRING, client_secret_expires_at=INTEGER,
    client_secret=STRING, grant_types=array(STRING), token_endpoint_auth_method=STRING,
    application_type=NULLABLE_STRING, redirect_uris=array(STRING), response_types=array(STRING),
)
TOKEN_REQUEST = obj(
    ("grant_type",),
    grant_type=STRING, client_id=STRING, client_secret=STRING, scope=STRING, username=STRING, password=STRING,
    login_hint=STRING, mfa_token=STRING, otp=STRING, oob_code=STRING, binding_code=STRING, recovery_code=STRING,
    refresh_token=STRING, audience=STRING,
)
TOKEN_RESPONSE = obj(("access_token", "token_type", "expires_in"), access_token=STRING, token_type={"const": "Bearer"},
                     expires_in=INTEGER, id_token=STRING, refresh_token=STRING, scope=STRING, recovery_code=STRING)
CHALLENGE_REQUEST = obj(("mfa_token",), mfa_token=STRING, client_id=STRING, client_secret=STRING,
                        challenge_types_supported=STRING, channel_hint={"enum": ["sms", "voice", "email", "push"]})
CHALLENGE_RESPONSE = obj(("challenge_type",), challenge_type=STRING, oob_code=STRING, channel=STRING,
                         binding_method=STRING, expires_in=INTEGER)
METADATA = obj(("issuer", "token_endpoint", "jwks_uri"), issuer=STRING, token_endpoint=STRING, jwks_uri=STRING,
               mfa_challenge_endpoint=STRING, grant_types_supported=array(STRING))
JWKS = obj(("keys",), keys=array(obj(("kty",), kty=STRING)))

SCHEMAS = {
    "Link": LINK, "User": USER_OBJECT, "UserRequest": USER_REQUEST, "Factor": FACTOR_OBJECT,
    "FactorRequest": FACTOR_REQUEST, "FactorVerifyResponse": VERIFY_RESPONSE,
    "ClientRegistration": CLIENT_REGISTRATION, "RegisteredClient": CLIENT_REGISTERED,
    "TokenRequest": TOKEN_REQUEST, "TokenResponse": TOKEN_RESPONSE, "ChallengeRequest": CHALLENGE_REQUEST,
    "ChallengeResponse": CHALLENGE_RESPONSE, "AuthorizationServerMetadata": METADATA, "Jwks": JWKS,
    **okta_admin.SCHEMAS,
}


def _m(summary: str, tag: str = TAG_USERS, **kw) -> dict:
    """A management operation: SSWS, Okta's error object."""
    return operation(summary, tag=tag, security=SSWS, error=OKTA, **kw)


USERS = {
    "/api/v1/users": {
        "post": _m("Create a user (`activate`, default true).", body=request_json(ref("UserRequest")),
                   params=[query_param("activate", {"enum": ["true", "false"]})], ok=ok(ref("User"))),
        "get": _m("List users: `q`, `filter`, `search`, `limit`, `after` (Link headers page).",
                  params=[query_param(n) for n in ("q", "filter", "search", "limit", "after")],
                  ok=ok(array(ref("User")))),
    },
    "/api/v1/users/{user_id}": {
        "get": _m("Get a user by id or login.", params=[USER], ok=ok(ref("User"))),
        "post": _m("Update a user's profile (partial).", params=[USER], body=request_json(ref("UserRequest")),
                   ok=ok(ref("User"))),
        "put": _m("Replace a user's profile.", params=[USER], body=request_json(ref("UserRequest")),
                  ok=ok(ref("User"))),
        "delete": _m("Deactivate, then (a second call) delete a user.", params=[USER], ok=ok(None, "204")),
    },
    "/api/v1/users/{user_id}/lifecycle/{operation}": {"post": _m(
        "activate, deactivate, suspend, unsuspend, unlock, reset_factors.",
        params=[USER, path_param("operation")], ok=ok(ANY_OBJECT)),
    },
}

FACTORS = {
    "/api/v1/users/{user_id}/factors": {
        "get": _m("The user's factors.", TAG_FACTORS, params=[USER], ok=ok(array(ref("Factor")))),
        "post": _m("Enroll a factor (B.2); a TOTP factor's answer carries its shared secret.", TAG_FACTORS,
                   params=[USER, query_param("activate", {"enum": ["true", "false"]}),
                           query_param("updatePhone", {"enum": ["true", "false"]}),
                           query_param("tokenLifetimeSeconds", INTEGER)],
                   body=request_json(ref("FactorRequest")), ok=ok(ref("Factor")), secret=True),
    },
    "/api/v1/users/{user_id}/factors/catalog": {"get": _m(
        "The factors the user may enroll (B.5).", TAG_FACTORS, params=[USER],
        ok=ok(array(obj(("factorType", "provider"), factorType=STRING, provider=STRING, status=STRING,
                        _links=LINKS))))},
    "/api/v1/users/{user_id}/factors/questions": {"get": _m(
        "The security questions (B.5).", TAG_FACTORS, params=[USER],
        ok=ok(array(obj(("question", "questionText"), question=STRING, questionText=STRING))))},
    "/api/v1/users/{user_id}/factors/{factor_id}": {
        "get": _m("One factor; a pending TOTP factor still shows its activation.", TAG_FACTORS,
                  params=[USER, FACTOR], ok=ok(ref("Factor")), secret=True),
        "delete": _m("Remove a factor.", TAG_FACTORS, params=[USER, FACTOR], ok=ok(None, "204")),
    },
    "/api/v1/users/{user_id}/factors/{factor_id}/lifecycle/activate": {"post": _m(
        "Activate with the first code (B.3); a wrong one is 403 E0000068.", TAG_FACTORS, params=[USER, FACTOR],
        body=request_json(obj(passCode=STRING), required=False), ok=ok(ref("Factor")))},
    "/api/v1/users/{user_id}/factors/{factor_id}/resend": {"post": _m(
        "Send a pending sms, call or email factor's code again.", TAG_FACTORS, params=[USER, FACTOR],
        body=request_json(obj(factorType=STRING, provider=STRING, profile=ANY_OBJECT), required=False),
        ok=ok(ref("Factor")))},
    "/api/v1/users/{user_id}/factors/{factor_id}/verify": {"post": _m(
        "Verify a code or an answer (B.4); without a passCode an sms, call or email factor sends one "
        "(CHALLENGE). Served by the hot lane.", TAG_FACTORS,
        params=[USER, FACTOR, query_param("tokenLifetimeSeconds", INTEGER)],
        body=request_json(obj(passCode=STRING, answer=STRING), required=False), ok=ok(ref("FactorVerifyResponse")))},
    "/api/v1/users/{user_id}/factors/{factor_id}/qr/{token}": {"get": operation(
        "The enrollment QR code (PNG); the path's token is the capability, no API token needed.",
        tag=TAG_FACTORS, security=[], error=OKTA, params=[USER, FACTOR, path_param("token")], secret=True,
        ok={"200": {"description": "PNG", "content": {"image/png": {"schema": {"type": "string",
                                                                                "contentMediaType": "image/png"}}}}})},
}


def _oauth(summary: str, body: dict | None, response: str, *, server: bool, secret: bool = False,
           method_ok: str = "200") -> dict:
    return operation(summary, tag=TAG_OAUTH, security=CLIENT if body else [], error=OAUTH, secret=secret,
                     params=[path_param("server_id", "An authorization server's id, or `default`")] if server else None,
                     body=body, ok=ok(ref(response), method_ok),
                     extra={"404": {"description": "Unknown authorization server (E0000007)",
                                    "content": {"application/json": {"schema": OAUTH_OR_OKTA}}}} if server else None)


def _oauth_paths(prefix: str, server: bool) -> dict:
    token = _oauth("Token endpoint: password → 403 mfa_required → mfa-otp, mfa-oob; the Okta OTP grant (B.7). "
                   "Served by the hot lane.", request_form(ref("TokenRequest")), "TokenResponse", server=server,
                   secret=True)
    challenge = _oauth("Challenge an mfa_token: otp, or oob with channel_hint sms/voice/email (B.7).",
                       request_form(ref("ChallengeRequest")), "ChallengeResponse", server=server, secret=True)
    keys = _oauth("The signing keys.", None, "Jwks", server=server)
    return {f"{prefix}/v1/token": {"post": token}, f"{prefix}/v1/challenge": {"post": challenge},
            f"{prefix}/v1/keys": {"get": keys}}


OAUTH_PATHS = {
    **_oauth_paths("/oauth2", False),
    **_oauth_paths("/oauth2/{server_id}", True),
    "/.well-known/oauth-authorization-server": {"get": _oauth(
        "The org authorization server's metadata.", None, "AuthorizationServerMetadata", server=False)},
    "/oauth2/{server_id}/.well-known/oauth-authorization-server": {"get": _oauth(
        "A custom authorization server's metadata.", None, "AuthorizationServerMetadata", server=True)},
    "/oauth2/{server_id}/.well-known/openid-configuration": {"get": _oauth(
        "A custom authorization server's OpenID configuration.", None, "AuthorizationServerMetadata", server=True)},
    "/oauth2/v1/clients": {"post": operation(
        "Register a client (RFC 7591 shape, SSWS); the answer carries the client secret. Metadata errors are "
        "OAuth-shaped, authentication errors Okta-shaped.", tag=TAG_OAUTH, security=SSWS, error=OAUTH, secret=True,
        body=request_json(ref("ClientRegistration")), ok=ok(ref("RegisteredClient"), "201"),
        extra={"401": {"description": "No or a wrong API token (E0000011)",
                       "content": {"application/json": {"schema": ref(OKTA)}}}})},
}


def build() -> dict:
    return document(
        "twofold: Okta dialect",
        "Okta's Users and Factors APIs, direct authentication on /oauth2/…, and the admin plane (authenticators, "
        "MFA_ENROLL policies, authorization servers with policies, rules, scopes and claims, OIDC apps, API "
        "tokens, the System Log), as twofold serves them. Management errors are Okta's error object; the OAuth "
        "endpoints answer `{error, error_description}`.",
        {**USERS, **FACTORS, **okta_admin.PATHS, **OAUTH_PATHS}, SCHEMAS,
        [TAG_USERS, TAG_FACTORS, *okta_admin.TAGS, TAG_OAUTH],
    )
