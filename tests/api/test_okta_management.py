"""The minimal Okta management API: SSWS authentication, the Okta error envelope (reference
B.0), POST /api/v1/users (B.6) and POST /oauth2/v1/clients, on SQLite and PostgreSQL."""
from __future__ import annotations

import re
import secrets

import pytest

from ..support import PASSWORD, okta_error

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
TIMESTAMPS = ("created", "activated", "statusChanged", "lastLogin", "lastUpdated", "passwordChanged")


def _new_login() -> str:
    return f"okta-{secrets.token_hex(5)}@example.com"


def _user_body(login: str | None = None, password: str | None = PASSWORD, **profile) -> dict:
    login = login or _new_login()
    body: dict = {"profile": {"firstName": "Isaac", "lastName": "Brock", "email": login, "login": login,
                              "mobilePhone": "555-415-1337", **profile}}
    if password is not None:
        body["credentials"] = {"password": {"value": password}}
    return body


def _create(api, body, query: str = "?activate=true"):
    return api.http.post("/api/v1/users" + query, headers=api.ssws, json=body)


# --- authentication ------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "SSWS 00" + "x" * 40},
    {"Authorization": "SSWS"},
    {"Authorization": "Bearer 00" + "x" * 40},
], ids=["missing", "wrong", "empty", "wrong-scheme"])
@pytest.mark.parametrize("path", ["/api/v1/users", "/oauth2/v1/clients"])
def test_missing_or_wrong_api_token(api, headers, path):
    r = api.http.post(path, headers=headers, json=_user_body())
    body = okta_error(r, 401, "E0000011", "Invalid token provided")
    assert body["errorCauses"] == []


def test_right_token_with_wrong_case_scheme_or_token(api):
    r = api.http.post("/api/v1/users", headers={"Authorization": "SSWS " + api.api_token + "x"}, json=_user_body())
    okta_error(r, 401, "E0000011")
    r = api.http.post("/api/v1/users", headers={"Authorization": "SSWS " + api.api_token[:-1]}, json=_user_body())
    okta_error(r, 401, "E0000011")


def test_error_ids_are_unique(api):
    ids = {api.http.post("/api/v1/users", json={}).json()["errorId"] for _ in range(3)}
    assert len(ids) == 3


# --- POST /api/v1/users ---------------------------------------------------------------------------


def test_create_user_response_shape(api, server):
    body = _user_body()
    r = _create(api, body)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == "application/json"
    user = r.json()
    assert re.fullmatch(r"00u[0-9A-Za-z]{17}", user["id"]), user["id"]
    assert user["status"] == "ACTIVE"
    for key in TIMESTAMPS:
        assert key in user, key
        if user[key] is not None:
            assert ISO_MS.match(user[key]), (key, user[key])
    assert user["created"] is not None and user["lastUpdated"] is not None and user["passwordChanged"] is not None
    assert user["lastLogin"] is None
    assert user["credentials"] == {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}}
    assert PASSWORD not in r.text  # never echoed
    for field in ("firstName", "lastName", "email", "login", "mobilePhone"):
        assert user["profile"][field] == body["profile"][field]
    assert user["_links"]["self"]["href"] == f"{server.issuer}api/v1/users/{user['id']}"


def test_create_user_default_is_activate(api):
    r = _create(api, _user_body(), query="")
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text


def test_activate_false_gives_staged(api):
    r = _create(api, _user_body(), query="?activate=false")
    assert r.status_code == 200, r.text
    user = r.json()
    assert user["status"] == "STAGED"
    assert user["activated"] is None
    assert PASSWORD not in r.text


def test_no_password_with_activate_true_gives_provisioned(api):
    r = _create(api, _user_body(password=None), query="?activate=true")
    assert r.status_code == 200, r.text
    user = r.json()
    assert user["status"] == "PROVISIONED"
    assert user["passwordChanged"] is None
    assert "password" not in user["credentials"]
    assert user["credentials"]["provider"] == {"type": "OKTA", "name": "OKTA"}


def test_staged_and_provisioned_users_cannot_sign_in(api):
    client = api.create_client()
    login = _new_login()
    assert _create(api, _user_body(login), query="?activate=false").json()["status"] == "STAGED"
    r = api.token(client, grant_type="password", username=login, password=PASSWORD)
    assert r.status_code == 403 and r.json()["error"] == "invalid_grant", r.text


def test_duplicate_login(api):
    login = _new_login()
    assert _create(api, _user_body(login)).status_code == 200
    body = okta_error(_create(api, _user_body(login)), 400, "E0000001")
    assert body["errorSummary"].startswith("Api validation failed")
    assert any("already exists" in c["errorSummary"] for c in body["errorCauses"]), body
    # Logins are unique regardless of case.
    body = okta_error(_create(api, _user_body(login.upper(), email=login)), 400, "E0000001")
    assert any("already exists" in c["errorSummary"] for c in body["errorCauses"]), body


def test_missing_first_name(api):
    body = _user_body()
    del body["profile"]["firstName"]
    err = okta_error(_create(api, body), 400, "E0000001")
    assert err["errorSummary"].startswith("Api validation failed")
    assert any("firstName" in c["errorSummary"] for c in err["errorCauses"]), err


def test_missing_profile_and_bad_email_and_short_password(api):
    okta_error(_create(api, {"credentials": {"password": {"value": PASSWORD}}}), 400, "E0000001")
    err = okta_error(_create(api, _user_body(email="not-an-email")), 400, "E0000001")
    assert any("email" in c["errorSummary"] for c in err["errorCauses"]), err
    err = okta_error(_create(api, _user_body(password="short")), 400, "E0000001")
    assert any("password" in c["errorSummary"].lower() for c in err["errorCauses"]), err
    assert "short" not in str(err)


@pytest.mark.parametrize("content", [b"{", b"not json", b"[1, 2]", b'{"profile": '])
def test_malformed_json(api, content):
    r = api.http.post("/api/v1/users?activate=true", headers={**api.ssws, "content-type": "application/json"},
                      content=content)
    okta_error(r, 400, "E0000003", "The request body was not well-formed.")


# --- POST /oauth2/v1/clients --------------------------------------------------------------------


def _register(api, **body):
    return api.http.post("/oauth2/v1/clients", headers=api.ssws,
                         json={"client_name": "reg-" + secrets.token_hex(3), **body})


def test_register_confidential_client(api):
    r = _register(api, grant_types=["password", "refresh_token"], token_endpoint_auth_method="client_secret_post")
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["client_id"] and c["client_secret"] and c["client_secret_expires_at"] == 0
    assert c["grant_types"] == ["password", "refresh_token"]
    assert c["token_endpoint_auth_method"] == "client_secret_post"
    assert isinstance(c["client_id_issued_at"], int)


def test_register_unknown_grant_type(api):
    r = _register(api, grant_types=["password", "urn:example:made-up"], token_endpoint_auth_method="client_secret_post")
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_client_metadata"
    assert "urn:example:made-up" in r.json()["error_description"]


def test_register_public_client_with_client_credentials(api):
    r = _register(api, grant_types=["client_credentials"], token_endpoint_auth_method="none")
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_client_metadata"


def test_register_unknown_auth_method_and_missing_name(api):
    r = _register(api, grant_types=["password"], token_endpoint_auth_method="private_key_jwt_or_something")
    assert r.status_code == 400 and r.json()["error"] == "invalid_client_metadata", r.text
    r = api.http.post("/oauth2/v1/clients", headers=api.ssws, json={"grant_types": ["password"]})
    assert r.status_code == 400 and r.json()["error"] == "invalid_client_metadata", r.text


def test_public_client_gets_no_secret(api):
    r = _register(api, grant_types=["password"], token_endpoint_auth_method="none")
    assert r.status_code == 201, r.text
    c = r.json()
    assert "client_secret" not in c
    assert c["token_endpoint_auth_method"] == "none"


def test_register_malformed_json(api):
    r = api.http.post("/oauth2/v1/clients", headers={**api.ssws, "content-type": "application/json"}, content=b"{")
    assert r.status_code == 400 and r.json()["error"] == "invalid_request", r.text
