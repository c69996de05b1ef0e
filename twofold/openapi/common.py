"""Pieces both OpenAPI documents share: the error shapes, the security schemes, and small
builders for operations. The routes read raw JSON (read_json_object), so FastAPI generates no
schema; these documents are written as data from the handlers and views they describe."""
from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: tuple[str, ...] = (), **properties: Schema) -> Schema:
    """An object with these members; more members may appear (the wire APIs grow)."""
    out: Schema = {"type": "object", "properties": properties}
    if required:
        out["required"] = list(required)
    return out


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


STRING: Schema = {"type": "string"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
TIMESTAMP: Schema = {"type": ["string", "null"], "description": "ISO-8601 with milliseconds, UTC (Z)"}
ANY_OBJECT: Schema = {"type": "object"}

# Okta's error object (reference B.0), every /api/v1/ refusal and E0000007 on unknown /oauth2/{id}.
OKTA_ERROR = obj(
    ("errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"),
    errorCode={"type": "string", "pattern": "^E[0-9]{7}$"},
    errorSummary=STRING, errorLink=STRING, errorId=STRING,
    errorCauses=array(obj(("errorSummary",), errorSummary=STRING)),
)
# RFC 6749 §5.2 / Auth0 Authentication API: {error, error_description} (+ mfa_token on mfa_required).
OAUTH_ERROR = obj(("error", "error_description"), error=STRING, error_description=STRING,
                  mfa_token=STRING, mfa_requirements=ANY_OBJECT)
# Auth0 Management API (/api/v2/): {statusCode, error, message[, errorCode]}.
AUTH0_MANAGEMENT_ERROR = obj(("statusCode", "error", "message"), statusCode=INTEGER, error=STRING, message=STRING,
                             errorCode=STRING)

ERROR_SCHEMAS = {"OktaError": OKTA_ERROR, "OAuthError": OAUTH_ERROR, "Auth0ManagementError": AUTH0_MANAGEMENT_ERROR}

SECURITY_SCHEMES = {
    "ssws": {"type": "apiKey", "in": "header", "name": "Authorization",
             "description": "An admin API token: `Authorization: SSWS <token>` (`twofold tokens create`)."},
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "An `mfa_token` or an access token, as the operation says."},
    "clientBasic": {"type": "http", "scheme": "basic",
                    "description": "Client authentication (RFC 6749 §2.3.1): client_id and client_secret."},
}
SSWS = [{"ssws": []}]
BEARER = [{"bearer": []}]
# Or `client_id` and `client_secret` in the body (never the URL); a public client sends `client_id` only.
CLIENT = [{"clientBasic": []}, {}]


def error_response(schema_name: str, description: str = "An error in the dialect's format") -> dict:
    return {"description": description, "content": {JSON: {"schema": ref(schema_name)}}}


def json_body(schema: Schema, description: str = "JSON") -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def path_param(name: str, description: str = "") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": STRING, "description": description or name}


def query_param(name: str, schema: Schema | None = None, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema or STRING,
            "description": description or name}


def operation(summary: str, *, tag: str, ok: dict, error: str, security: list | None = None,
              params: list | None = None, body: dict | None = None, secret: bool = False,
              extra: dict | None = None) -> dict:
    """One operation: `ok` maps status → response; every other status is `error` (a schema name).
    `secret` marks answers that carry a secret (they say Cache-Control: no-store, R51)."""
    out: dict = {"summary": summary, "tags": [tag], "responses": {**ok, "default": error_response(error)}}
    if security is not None:
        out["security"] = security
    if params:
        out["parameters"] = params
    if body is not None:
        out["requestBody"] = body
    if secret:
        out["x-twofold-secret"] = True
    if extra:
        out["responses"].update(extra)
    return out


def ok(schema: Schema | None = None, status: str = "200", description: str = "Success") -> dict:
    if schema is None:
        return {status: {"description": description}}
    return {status: json_body(schema, description)}


def request_json(schema: Schema, required: bool = True) -> dict:
    return {"required": required, "content": {JSON: {"schema": schema}}}


def request_form(schema: Schema) -> dict:
    """OAuth endpoints take a form; JSON works as well (reference A.0)."""
    return {"required": True, "content": {FORM: {"schema": schema}, JSON: {"schema": schema}}}


def document(title: str, description: str, paths: dict, schemas: dict, tags: list[str]) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1", "description": description,
                 "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}},
        "servers": [{"url": "/"}],
        "tags": [{"name": t} for t in tags],
        "paths": paths,
        "components": {"schemas": {**ERROR_SCHEMAS, **schemas}, "securitySchemes": SECURITY_SCHEMES},
    }
