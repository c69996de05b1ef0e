"""Bad input gets a clear error in the dialect's format, never a 500: wrong JSON member types
on the admin plane, NUL characters (which PostgreSQL text cannot hold), lone surrogates and
absurd nesting in JSON bodies, odd digits in `limit`."""
from __future__ import annotations

import pytest

from ..support import okta_error


@pytest.mark.parametrize("path,body", [
    ("/api/v1/policies", {"type": "MFA_ENROLL", "name": "x", "settings": ["x"]}),
    ("/api/v1/policies", {"type": "MFA_ENROLL", "name": "x", "priority": 10 ** 30,
                          "settings": {"type": "AUTHENTICATORS", "authenticators": []}}),
    ("/api/v1/policies", {"type": "MFA_ENROLL", "name": "x", "settings": {
        "type": "AUTHENTICATORS", "authenticators": [{"key": ["google_otp"], "enroll": "OPTIONAL"}]}}),
    ("/api/v1/authenticators", {"key": ["okta_email"]}),
    ("/api/v1/authenticators", {"key": "phone_number", "settings": "x"}),
    ("/api/v1/authorizationServers/default/policies", {"name": "x", "conditions": "x"}),
    ("/api/v1/apps", {"label": "x", "settings": ["x"]}),
    ("/api/v1/apps", {"label": "x", "settings": {"oauthClient": {"grant_types": ["password"],
                                                                  "application_type": ["web"]}}}),
])
def test_wrong_member_types_are_400(api, path, body):
    okta_error(api.http.post(path, headers=api.ssws, json=body), 400, "E0000001")


def test_rule_with_wrong_member_types_is_400(api):
    policy = api.http.get("/api/v1/authorizationServers/default/policies", headers=api.ssws).json()[0]
    url = f"/api/v1/authorizationServers/default/policies/{policy['id']}/rules"
    for body in ({"name": "x", "actions": "x", "conditions": {"grantTypes": {"include": ["password"]}}},
                 {"name": "x", "conditions": {"grantTypes": {"include": [["password"]]}}},
                 {"name": "x", "conditions": {"grantTypes": {"include": ["password"]}},
                  "actions": {"token": {"accessTokenLifetimeMinutes": 60.0}}}):
        okta_error(api.http.post(url, headers=api.ssws, json=body), 400, "E0000001")


def test_google_otp_digits_must_be_a_whole_number(api):
    google = next(a for a in api.http.get("/api/v1/authenticators", headers=api.ssws).json() if a["key"] == "google_otp")
    r = api.http.put(f"/api/v1/authenticators/{google['id']}", headers=api.ssws,
                     json={"name": google["name"], "settings": {"digits": 6.0}})
    okta_error(r, 400, "E0000001")


def test_factor_enrollment_with_wrong_types_is_400(api):
    user = api.create_user()
    url = f"/api/v1/users/{user['id']}/factors"
    okta_error(api.http.post(url, headers=api.ssws, json={"factorType": "token:software:totp", "provider": 5}),
               400, "E0000001")
    okta_error(api.http.post(url, headers=api.ssws, json={"factorType": "question", "provider": "OKTA",
                                                           "profile": {"question": ["x"], "answer": "long enough"}}),
               400, "E0000001")


@pytest.mark.parametrize("content", [
    b'{"grant_type": "password", "username": "a\\u0000b", "password": "x"}',
    b'{"grant_type": "password", "username": "\\ud800", "password": "x"}',
    b"[" * 5000 + b"]" * 5000,
])
def test_token_endpoint_refuses_unsound_json(api, content):
    client = api.create_client()
    r = api.http.post("/oauth/token", content=content, headers={"content-type": "application/json"},
                      auth=(client["client_id"], client["client_secret"]))
    assert r.status_code == 400 and r.json()["error"] == "invalid_request", r.text
    assert r.headers["cache-control"] == "no-store"


def test_nul_in_a_form_or_a_path_is_400(api):
    r = api.http.post("/oauth/token", data={"grant_type": "password", "client_id": "c\x00", "username": "u",
                                            "password": "p"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request", r.text
    r = api.http.get("/api/v1/users/a%00b", headers=api.ssws)
    assert r.status_code == 400, r.text


@pytest.mark.parametrize("path", ["/api/v1/users?limit=%C2%B2", "/api/v1/logs?limit=" + "9" * 5000])
def test_odd_limits_are_400(api, path):
    r = api.http.get(path, headers=api.ssws)
    assert r.status_code == 400, r.text


BIG = {"padding": "x" * (128 * 1024)}  # over the default 64 KiB body limit


def test_a_body_too_large_is_413_in_each_dialects_shape(api):
    body = okta_error(api.http.post("/api/v1/users", headers=api.ssws, json=BIG), 413, "E0000003",
                      "The request body was not well-formed.")
    assert body["errorCauses"] == [{"errorSummary": "Request body too large."}]
    oauth = {"error": "invalid_request", "error_description": "Request body too large."}
    r = api.http.post("/oauth2/v1/clients", headers=api.ssws, json=BIG)
    assert r.status_code == 413 and r.json() == oauth, r.text
    r = api.http.post("/oauth2/default/v1/token", data={"grant_type": "password", **BIG})
    assert r.status_code == 413 and r.json() == oauth, r.text
    r = api.http.post("/oauth/token", data={"grant_type": "password", **BIG})
    assert r.status_code == 413 and r.json() == oauth, r.text


@pytest.mark.parametrize("member,value", [("grant_types", 5), ("redirect_uris", 5), ("response_types", {"a": 1}),
                                          ("redirect_uris", [7]), ("application_type", ["web"])])
def test_client_registration_with_a_wrong_type_is_400_and_stores_no_app(api, member, value):
    """A non-list grant_types, redirect_uris or response_types was a 500, and with valid grant
    types the client was stored anyway: an app in /api/v1/apps whose secret nobody saw. Now
    RFC 7591's invalid_client_metadata naming the member, and nothing stored (R49, R70)."""
    def app_ids():
        r = api.http.get("/api/v1/apps", headers=api.ssws)
        assert r.status_code == 200, r.text
        return {a["id"] for a in r.json()}

    before = app_ids()
    body = {"client_name": "orphan", "grant_types": ["password"], "token_endpoint_auth_method": "client_secret_post",
            member: value}
    r = api.http.post("/oauth2/v1/clients", headers=api.ssws, json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_client_metadata" and member in r.json()["error_description"], r.text
    assert r.headers["cache-control"] == "no-store"
    assert app_ids() == before
