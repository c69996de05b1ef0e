"""Schemathesis checks of twofold's own rules, used by test_openapi_fuzz.py."""
from __future__ import annotations

import json

import schemathesis

OKTA_ERROR = {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}
OAUTH_ERROR = {"error", "error_description"}
AUTH0_MANAGEMENT_ERROR = {"statusCode", "error", "message"}
# Members that carry a secret, wherever they appear in an answer (R51).
SECRET_MEMBERS = {"access_token", "refresh_token", "id_token", "mfa_token", "secret", "sharedSecret",
                  "recovery_code", "recovery_codes", "client_secret", "oob_code", "barcode_uri"}


def _body(response):
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def _header_values(response, name: str) -> list[str]:
    """Schemathesis keeps each header as a list of values."""
    out: list[str] = []
    for key, value in response.headers.items():
        if key.lower() == name:
            out.extend(value if isinstance(value, list) else [value])
    return out


def allowed_error_shapes(path: str) -> list[set[str]]:
    """The dialect whose path it is decides the shape: Okta's management API its error object,
    Auth0's Management API its own, the OAuth planes RFC 6749's; an unknown Okta authorization
    server is Okta's E0000007, and client registration authenticates like the management API."""
    if path.startswith("/api/v1/"):
        return [OKTA_ERROR]
    if path.startswith("/api/v2/"):
        return [AUTH0_MANAGEMENT_ERROR]
    if path.startswith("/oauth2/"):
        return [OAUTH_ERROR, OKTA_ERROR]
    return [OAUTH_ERROR]


@schemathesis.check
def error_in_dialect_shape(ctx, response, case):
    if response.status_code < 400:
        return None
    body = _body(response)
    if body is None and response.status_code == 401 and _header_values(response, "www-authenticate"):
        return None  # RFC 6750 §3: a bearer refusal may be the header alone (/userinfo)
    shapes = allowed_error_shapes(case.operation.path)
    if not isinstance(body, dict) or not any(shape <= body.keys() for shape in shapes):
        raise AssertionError(f"{response.status_code} error not in the dialect's shape for "
                             f"{case.operation.path}: {response.content[:300]!r}")
    return None


def carries_secret(value) -> bool:
    if isinstance(value, dict):
        return any(k in SECRET_MEMBERS or carries_secret(v) for k, v in value.items())
    if isinstance(value, list):
        return any(carries_secret(v) for v in value)
    return False


@schemathesis.check
def secret_answers_not_stored(ctx, response, case):
    secret = carries_secret(_body(response)) or (
        response.status_code < 300 and case.operation.definition.raw.get("x-twofold-secret"))
    if secret:
        cache = ",".join(_header_values(response, "cache-control"))
        if "no-store" not in cache:
            raise AssertionError(f"an answer carrying a secret without Cache-Control: no-store: "
                                 f"{case.operation.method.upper()} {case.operation.path} {response.status_code}")
    return None
