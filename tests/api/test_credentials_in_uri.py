"""Credentials never travel in, nor are logged from, a request URI (issue #10): the endpoints
that take a password, a client secret, a code or a token refuse any query string with the
dialect's `invalid_request` before anything is checked (RFC 6749 §2.3.1, R53), hot lane
included, and the access log shows a request's path, never its query string (R68, R39)."""
from __future__ import annotations

import secrets

import pytest

from ..support import app_routes

REFUSAL = "Parameters are accepted in the request body only, never in the URL."
# Routes that take credentials, found in the app's own routes: every POST outside the management
# APIs (Okta's and Auth0's: SSWS or a bearer token in the Authorization header; their queries are
# options) and the console (a session cookie and forms). /userinfo reads its bearer token from the
# Authorization header only.
NOT_CREDENTIAL_ROUTES = ("/api/v1/", "/api/v2/", "/admin")
NOT_CREDENTIAL_PATHS = {"/oauth2/v1/clients", "/userinfo"}


def credential_routes() -> list[str]:
    return sorted(path.replace("{server_id}", "default") for method, path in app_routes()
                  if method == "POST" and not path.startswith(NOT_CREDENTIAL_ROUTES) and path not in NOT_CREDENTIAL_PATHS)


def test_the_credential_routes_are_the_token_like_endpoints():
    assert credential_routes() == sorted([
        "/oauth/token", "/oauth/revoke", "/mfa/challenge", "/mfa/associate",
        "/oauth2/v1/token", "/oauth2/default/v1/token", "/oauth2/v1/challenge", "/oauth2/default/v1/challenge",
    ])


def _secrets() -> tuple[str, str, str]:
    password, client_secret = "S3cret-" + secrets.token_hex(8), secrets.token_hex(16)
    return password, client_secret, f"password={password}&client_secret={client_secret}"


def _refused(r) -> None:
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.json() == {"error": "invalid_request", "error_description": REFUSAL}
    assert r.headers["cache-control"] == "no-store"


def _not_logged(server, path: str, *values: str) -> None:
    log = server.log_text()
    assert f'"POST {path}?[redacted] HTTP' in log  # the access log is written, and redacted
    for value in values:
        assert value not in log


@pytest.mark.parametrize("path", credential_routes())
def test_a_query_string_is_refused_and_not_logged(api, server, path):
    """R53: credentials in the request URI are refused, whatever else the request says."""
    client, user = api.create_client(), api.create_user()
    password, client_secret, query = _secrets()
    body = {"grant_type": "password", "username": user["login"], "password": user["password"], "scope": "openid",
            "client_id": client["client_id"], "client_secret": client["client_secret"], "token": "t", "mfa_token": "m"}
    if path == "/mfa/associate":
        r = api.http.post(f"{path}?{query}", json={"authenticator_types": ["otp"]},
                          headers={"Authorization": f"Bearer {api.mfa_token(client, user)}"})
    else:
        r = api.http.post(f"{path}?{query}", data=body)
    _refused(r)
    _not_logged(server, path, password, client_secret, query)


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth2/v1/token", "/oauth2/default/v1/token"])
def test_a_sign_in_that_would_succeed_is_refused_with_a_query(api, server, path):
    """The hot-lane token endpoints: the same request is answered without the query (R53, R68)."""
    client, user = api.create_client(), api.create_user()
    password, client_secret, query = _secrets()
    form = {"grant_type": "password", "username": user["login"], "password": user["password"], "scope": "openid"}
    auth = (client["client_id"], client["client_secret"])
    assert api.http.post(path, data=form, auth=auth).json()["error"] == "mfa_required"
    _refused(api.http.post(f"{path}?{query}", data=form, auth=auth))
    _refused(api.http.post(f"{path}?client_id={client['client_id']}", data=form, auth=auth))  # any query
    # The credentials only in the URI, nothing in the body: still refused, still not logged.
    user_password = f"password={user['password']}&client_secret={client['client_secret']}"
    _refused(api.http.post(f"{path}?grant_type=password&username={user['login']}&{user_password}"))
    _not_logged(server, path, password, client_secret, query, user_password)


def test_a_search_query_is_not_logged(api, server):
    """R68: a GET's query (here the Users API's `q`) stays out of the access log."""
    value = "secretvalue" + secrets.token_hex(6)
    r = api.http.get("/api/v1/users", params={"q": value}, headers=api.ssws)
    assert r.status_code == 200 and r.json() == [], r.text
    log = server.log_text()
    assert '"GET /api/v1/users?[redacted] HTTP' in log
    assert value not in log
