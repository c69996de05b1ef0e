"""The Okta admin plane's part of /openapi/okta.json: authenticators, MFA_ENROLL policies,
authorization servers with their policies, rules, scopes and claims, OIDC apps, API tokens
and the System Log. Written from dialects/okta/{admin,auth_servers,server_policies,
auth_server_scopes,apps,api_tokens_api,logs}.py and dialects/log_events.py."""
from __future__ import annotations

from .common import (
    ANY_OBJECT, BOOLEAN, INTEGER, NULLABLE_STRING, SSWS, STRING, TIMESTAMP, array, obj, ok, operation, path_param,
    query_param, ref, request_json,
)

TAG_AUTHENTICATORS, TAG_POLICIES, TAG_SERVERS = "Authenticators", "Policies", "Authorization servers"
TAG_APPS, TAG_TOKENS, TAG_LOGS = "Applications", "API tokens", "System Log"
TAGS = [TAG_AUTHENTICATORS, TAG_POLICIES, TAG_SERVERS, TAG_APPS, TAG_TOKENS, TAG_LOGS]

LINKS = {"type": "object", "additionalProperties": {"anyOf": [ref("Link"), array(ref("Link"))]}}
STATUS = {"enum": ["ACTIVE", "INACTIVE"]}

AUTHENTICATOR = obj(("id", "key", "status", "name", "type", "_links"), id=STRING, key=STRING, status=STATUS,
                    name=STRING, type=STRING, created=TIMESTAMP, lastUpdated=TIMESTAMP, settings=ANY_OBJECT,
                    _links=LINKS)
AUTHENTICATOR_REQUEST = obj(key=STRING, name=STRING, settings=ANY_OBJECT)
METHOD = obj(("type", "status"), type=STRING, status=STATUS, _links=LINKS)
ENROLL_ENTRY = obj(("key", "enroll"), key=STRING,
                   enroll=obj(("self",), self={"enum": ["REQUIRED", "OPTIONAL", "NOT_ALLOWED"]}))
POLICY = obj(("id", "type", "status", "name", "settings"), id=STRING, type={"const": "MFA_ENROLL"}, status=STATUS,
             name=STRING, description=NULLABLE_STRING, priority=INTEGER, system=BOOLEAN,
             conditions={"type": ["object", "null"]}, created=TIMESTAMP, lastUpdated=TIMESTAMP,
             settings=obj(("type", "authenticators"), type={"const": "AUTHENTICATORS"},
                          authenticators=array(ENROLL_ENTRY)), _links=LINKS)
POLICY_REQUEST = obj(type={"const": "MFA_ENROLL"}, name=STRING, description=STRING, priority=INTEGER, status=STATUS,
                     settings=obj(type={"const": "AUTHENTICATORS"}, authenticators=array(ENROLL_ENTRY)))
SERVER = obj(("id", "name", "audiences", "issuer", "status"), id=STRING, name=STRING, description=NULLABLE_STRING,
             audiences=array(STRING), issuer=STRING, issuerMode=STRING, status=STATUS, created=TIMESTAMP,
             lastUpdated=TIMESTAMP, credentials=ANY_OBJECT, _links=LINKS)
SERVER_REQUEST = obj(name=STRING, description=STRING, audiences=array(STRING))
SERVER_POLICY = obj(("id", "type", "status", "name", "conditions"), id=STRING,
                    type={"const": "OAUTH_AUTHORIZATION_POLICY"}, status=STATUS, name=STRING,
                    description=NULLABLE_STRING, priority=INTEGER, system=BOOLEAN,
                    conditions=obj(clients=obj(include=array(STRING))), created=TIMESTAMP, lastUpdated=TIMESTAMP,
                    _links=LINKS)
SERVER_POLICY_REQUEST = obj(type={"const": "OAUTH_AUTHORIZATION_POLICY"}, name=STRING, description=STRING,
                            priority=INTEGER, status=STATUS, conditions=obj(clients=obj(include=array(STRING))))
TOKEN_ACTIONS = obj(token=obj(accessTokenLifetimeMinutes=INTEGER, refreshTokenLifetimeMinutes={"type": ["integer",
                                                                                                         "null"]},
                              refreshTokenWindowMinutes=INTEGER))
RULE = obj(("id", "type", "status", "name", "conditions", "actions"), id=STRING, type={"const": "RESOURCE_ACCESS"},
           status=STATUS, name=STRING, priority=INTEGER, system=BOOLEAN, created=TIMESTAMP, lastUpdated=TIMESTAMP,
           conditions=obj(people=ANY_OBJECT, grantTypes=obj(include=array(STRING)), scopes=obj(include=array(STRING))),
           actions=TOKEN_ACTIONS, _links=LINKS)
RULE_REQUEST = obj(type={"const": "RESOURCE_ACCESS"}, name=STRING, priority=INTEGER, status=STATUS,
                   conditions=obj(grantTypes=obj(include=array(STRING)), scopes=obj(include=array(STRING))),
                   actions=TOKEN_ACTIONS)
SCOPE = obj(("id", "name"), id=STRING, name=STRING, displayName=NULLABLE_STRING, description=NULLABLE_STRING,
            system=BOOLEAN, default=BOOLEAN, consent=STRING, metadataPublish=STRING, _links=LINKS)
SCOPE_REQUEST = obj(name=STRING, displayName=STRING, description=STRING, default=BOOLEAN, consent=STRING,
                    metadataPublish=STRING)
CLAIM = obj(("id", "name", "claimType", "valueType"), id=STRING, name=STRING, status=STATUS,
            claimType={"enum": ["RESOURCE", "IDENTITY"]}, valueType=STRING, value=NULLABLE_STRING,
            alwaysIncludeInToken=BOOLEAN, conditions=obj(scopes=array(STRING)), system=BOOLEAN,
            group_filter_type=STRING, _links=LINKS)
CLAIM_REQUEST = obj(name=STRING, status=STATUS, claimType={"enum": ["RESOURCE", "IDENTITY"]}, valueType=STRING,
                    value=STRING, alwaysIncludeInToken=BOOLEAN, conditions=obj(scopes=array(STRING)))
APP = obj(("id", "name", "label", "status", "signOnMode", "credentials", "settings"), id=STRING,
          name={"const": "oidc_client"}, label=NULLABLE_STRING, status=STATUS, signOnMode={"const": "OPENID_CONNECT"},
          created=TIMESTAMP, lastUpdated=TIMESTAMP,
          credentials=obj(("oauthClient",), userNameTemplate=ANY_OBJECT,
                          oauthClient=obj(("client_id",), client_id=STRING, client_secret=STRING,
                                          token_endpoint_auth_method=STRING, autoKeyRotation=BOOLEAN)),
          settings=obj(app=ANY_OBJECT, oauthClient=obj(application_type=NULLABLE_STRING, grant_types=array(STRING),
                                                       response_types=array(STRING), redirect_uris=array(STRING))),
          _links=LINKS)
APP_REQUEST = obj(name=STRING, label=STRING, signOnMode={"const": "OPENID_CONNECT"},
                  credentials=obj(oauthClient=obj(token_endpoint_auth_method=STRING)),
                  settings=obj(oauthClient=obj(application_type=STRING, grant_types=array(STRING),
                                               response_types=array(STRING), redirect_uris=array(STRING))))
APP_SECRET = obj(("id", "status", "client_secret"), id=STRING, status=STATUS, client_secret=STRING,
                 created=TIMESTAMP, lastUpdated=TIMESTAMP)
API_TOKEN = obj(("id", "name", "created"), id=STRING, name=STRING, userId={"type": "null"},
                tokenWindow={"type": "null"}, network=ANY_OBJECT, clientName=STRING, created=TIMESTAMP,
                lastUpdated=TIMESTAMP, _links=LINKS)
LOG_EVENT = obj(("uuid", "published", "eventType", "severity", "actor", "outcome"), uuid=STRING, published=STRING,
                eventType=STRING, version=STRING, severity={"enum": ["DEBUG", "INFO", "WARN", "ERROR"]},
                displayMessage=NULLABLE_STRING, actor=ANY_OBJECT, client=ANY_OBJECT,
                outcome=obj(("result",), result=STRING, reason=STRING), target=array(ANY_OBJECT),
                transaction=ANY_OBJECT, debugContext=ANY_OBJECT, legacyEventType=STRING)

SCHEMAS = {
    "Authenticator": AUTHENTICATOR, "AuthenticatorRequest": AUTHENTICATOR_REQUEST, "AuthenticatorMethod": METHOD,
    "EnrollmentPolicy": POLICY, "EnrollmentPolicyRequest": POLICY_REQUEST,
    "AuthorizationServer": SERVER, "AuthorizationServerRequest": SERVER_REQUEST,
    "AuthorizationServerPolicy": SERVER_POLICY, "AuthorizationServerPolicyRequest": SERVER_POLICY_REQUEST,
    "AuthorizationServerPolicyRule": RULE, "AuthorizationServerPolicyRuleRequest": RULE_REQUEST,
    "OAuth2Scope": SCOPE, "OAuth2ScopeRequest": SCOPE_REQUEST,
    "OAuth2Claim": CLAIM, "OAuth2ClaimRequest": CLAIM_REQUEST,
    "Application": APP, "ApplicationRequest": APP_REQUEST, "ApplicationSecret": APP_SECRET,
    "ApiToken": API_TOKEN, "LogEvent": LOG_EVENT,
}


def _m(summary: str, tag: str, params: tuple[str, ...] = (), **kw) -> dict:
    return operation(summary, tag=tag, security=SSWS, error="OktaError",
                     params=[path_param(p) for p in params] + kw.pop("query", []), **kw)


def _crud(base: str, item: str, ident: str, tag: str, schema: str, parents: tuple[str, ...] = (), *,
          created: str = "200", delete: bool = True, lifecycle: dict | None = None, secret: bool = False) -> dict:
    """List/create on `base`, get/replace/delete on `base/{ident}`, and its lifecycle route."""
    body = request_json(ref(schema + "Request"))
    paths = {
        base: {"get": _m(f"List {item}s.", tag, parents, ok=ok(array(ref(schema)))),
               "post": _m(f"Create a {item}.", tag, parents, body=body, ok=ok(ref(schema), created), secret=secret,
                          query=[query_param("activate", {"enum": ["true", "false"]})])},
        f"{base}/{{{ident}}}": {"get": _m(f"Get a {item}.", tag, (*parents, ident), ok=ok(ref(schema))),
                                "put": _m(f"Replace a {item}.", tag, (*parents, ident), body=body,
                                          ok=ok(ref(schema)))},
    }
    if delete:
        paths[f"{base}/{{{ident}}}"]["delete"] = _m(f"Delete a {item}.", tag, (*parents, ident), ok=ok(None, "204"))
    if lifecycle is not None:
        paths[f"{base}/{{{ident}}}/lifecycle/{{operation}}"] = {"post": _m(
            f"activate or deactivate a {item}.", tag, (*parents, ident, "operation"), ok=lifecycle)}
    return paths


SERVERS = "/api/v1/authorizationServers"
SERVER_POLICIES = SERVERS + "/{server_id}/policies"
NO_CONTENT = ok(None, "204")

PATHS = {
    **_crud("/api/v1/authenticators", "authenticator", "authenticator_id", TAG_AUTHENTICATORS, "Authenticator",
            delete=False, lifecycle=ok(ref("Authenticator"))),
    "/api/v1/authenticators/{authenticator_id}/methods": {"get": _m(
        "An authenticator's methods (Phone: sms and voice).", TAG_AUTHENTICATORS, ("authenticator_id",),
        ok=ok(array(ref("AuthenticatorMethod"))))},
    "/api/v1/authenticators/{authenticator_id}/methods/{method_type}": {"get": _m(
        "One method.", TAG_AUTHENTICATORS, ("authenticator_id", "method_type"), ok=ok(ref("AuthenticatorMethod")))},
    "/api/v1/authenticators/{authenticator_id}/methods/{method_type}/lifecycle/{operation}": {"post": _m(
        "Turn a Phone channel on or off (the last one stays on).", TAG_AUTHENTICATORS,
        ("authenticator_id", "method_type", "operation"), ok=ok(ref("AuthenticatorMethod")))},
    "/api/v1/policies": {
        "get": _m("List MFA_ENROLL policies (`type=MFA_ENROLL`).", TAG_POLICIES,
                  query=[query_param("type")], ok=ok(array(ref("EnrollmentPolicy")))),
        "post": _m("Create an MFA_ENROLL policy.", TAG_POLICIES, body=request_json(ref("EnrollmentPolicyRequest")),
                   ok=ok(ref("EnrollmentPolicy"))),
    },
    "/api/v1/policies/{policy_id}": {
        "get": _m("Get a policy.", TAG_POLICIES, ("policy_id",), ok=ok(ref("EnrollmentPolicy"))),
        "put": _m("Replace a policy.", TAG_POLICIES, ("policy_id",), body=request_json(ref("EnrollmentPolicyRequest")),
                  ok=ok(ref("EnrollmentPolicy"))),
        "delete": _m("Delete a policy (not the default one).", TAG_POLICIES, ("policy_id",), ok=NO_CONTENT),
    },
    **_crud(SERVERS, "authorization server", "server_id", TAG_SERVERS, "AuthorizationServer", lifecycle=NO_CONTENT),
    **_crud(SERVER_POLICIES, "access policy", "policy_id", TAG_SERVERS, "AuthorizationServerPolicy", ("server_id",),
            created="201", lifecycle=NO_CONTENT),
    **_crud(SERVER_POLICIES + "/{policy_id}/rules", "policy rule", "rule_id", TAG_SERVERS,
            "AuthorizationServerPolicyRule", ("server_id", "policy_id"), created="201", lifecycle=NO_CONTENT),
    **_crud(SERVERS + "/{server_id}/scopes", "scope", "scope_id", TAG_SERVERS, "OAuth2Scope", ("server_id",),
            created="201"),
    **_crud(SERVERS + "/{server_id}/claims", "claim", "claim_id", TAG_SERVERS, "OAuth2Claim", ("server_id",),
            created="201"),
    **_crud("/api/v1/apps", "OIDC app", "app_id", TAG_APPS, "Application", lifecycle=ok(ANY_OBJECT), secret=True),
    "/api/v1/apps/{app_id}/credentials/secrets": {"post": _m(
        "Rotate the app's client secret; the answer carries the new one.", TAG_APPS, ("app_id",),
        ok=ok(ref("ApplicationSecret")), secret=True)},
    "/api/v1/api-tokens": {"get": _m("List API tokens (never their values).", TAG_TOKENS,
                                     ok=ok(array(ref("ApiToken"))))},
    "/api/v1/api-tokens/current": {"delete": _m("Revoke the token of this request.", TAG_TOKENS, ok=NO_CONTENT)},
    "/api/v1/api-tokens/{api_token_id}": {
        "get": _m("Get an API token.", TAG_TOKENS, ("api_token_id",), ok=ok(ref("ApiToken"))),
        "delete": _m("Revoke an API token.", TAG_TOKENS, ("api_token_id",), ok=NO_CONTENT),
    },
    "/api/v1/logs": {"get": _m(
        "The System Log: `since`, `until`, `filter`, `q`, `limit`, `after`, `sortOrder`; Link headers page.",
        TAG_LOGS, query=[query_param(n) for n in ("since", "until", "filter", "q", "limit", "after", "sortOrder")],
        ok=ok(array(ref("LogEvent"))))},
}
