"""POST /oauth/token: bodies, parameters, client authentication and grant permission
(R43, R49, R51, R52, R53, R56), against a real server on SQLite and PostgreSQL."""
from __future__ import annotations

import base64
import time

import pytest

from ..support import ALL_GRANTS, MFA_OTP, PASSWORD_REALM
from .jwt_helpers import claims_of, header_of, no_store, verify

API_AUDIENCE = "https://api.example.com/"


def _error(r, status: int, error: str, description: str | None = None) -> dict:
    """Asserts an Auth0-style error, always with the no-store headers (R51)."""
    assert r.status_code == status, (r.status_code, r.text)
    assert no_store(r), dict(r.headers)
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["error"] == error, body
    if description is not None:
        assert body["error_description"] == description, body
    return body


def _basic(client_id: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _creds(client: dict) -> dict:
    return {"client_id": client["client_id"], "client_secret": client["client_secret"]}


# --- bodies ----------------------------------------------------------------------------------


def test_form_body_and_json_body_are_both_accepted(api):
    client, user = api.create_client(), api.create_user()
    fields = {"grant_type": "password", "username": user["login"], "password": user["password"], **_creds(client)}
    for r in (api.http.post("/oauth/token", data=fields), api.http.post("/oauth/token", json=fields)):
        body = _error(r, 403, "mfa_required", "Multifactor authentication required")
        assert body["mfa_requirements"] == {"enroll": [{"type": "otp"}, {"type": "phone"}, {"type": "email"}]}


def test_json_null_is_treated_as_absent(api):
    client, user = api.create_client(), api.create_user()
    base = {"grant_type": "password", "username": user["login"], "password": user["password"], **_creds(client)}
    # Optional parameters as null (auth0-python sends them so): ignored.
    r = api.http.post("/oauth/token", json={**base, "audience": None, "scope": None, "realm": None})
    _error(r, 403, "mfa_required")
    # A required parameter as null is missing, not the string "None".
    r = api.http.post("/oauth/token", json={**base, "username": None})
    _error(r, 400, "invalid_request", "Missing required parameter: username")
    r = api.http.post("/oauth/token", json={**base, "grant_type": None})
    _error(r, 400, "invalid_request", "Missing required parameter: grant_type")


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_missing_required_parameters(api, as_json):
    client, user = api.create_client(), api.create_user()
    post = (lambda b: api.http.post("/oauth/token", json=b)) if as_json else \
        (lambda b: api.http.post("/oauth/token", data=b))
    creds = _creds(client)

    _error(post({**creds, "username": user["login"], "password": user["password"]}),
           400, "invalid_request", "Missing required parameter: grant_type")
    _error(post({**creds, "grant_type": "password", "password": user["password"]}),
           400, "invalid_request", "Missing required parameter: username")
    _error(post({**creds, "grant_type": "password", "username": user["login"], "password": ""}),
           400, "invalid_request", "Missing required parameter: password")
    mfa_token = api.mfa_token(client, user)
    _error(post({**creds, "grant_type": MFA_OTP, "mfa_token": mfa_token}),
           400, "invalid_request", "Missing required parameter: otp")
    _error(post({**creds, "grant_type": MFA_OTP, "otp": "123456"}),
           400, "invalid_request", "Missing required parameter: mfa_token")


def test_unknown_grant_type(api):
    client = api.create_client()
    r = api.token(client, grant_type="urn:example:made-up")
    body = _error(r, 400, "unsupported_grant_type")
    assert "urn:example:made-up" in body["error_description"]


def test_grant_not_in_the_clients_list_is_refused(api):
    client = api.create_client()  # ALL_GRANTS: no client_credentials
    r = api.token(client, grant_type="client_credentials", audience=API_AUDIENCE)
    _error(r, 403, "unauthorized_client", "Grant type 'client_credentials' not allowed for the client.")

    password_only = api.create_client(grant_types=["password"])
    user = api.create_user()
    mfa_token = api.mfa_token(password_only, user)
    r = api.token(password_only, grant_type=MFA_OTP, mfa_token=mfa_token, otp="123456")
    _error(r, 403, "unauthorized_client", f"Grant type '{MFA_OTP}' not allowed for the client.")
    r = api.token(password_only, grant_type=PASSWORD_REALM, username=user["login"], password=user["password"],
                  realm="Username-Password-Authentication")
    _error(r, 403, "unauthorized_client", f"Grant type '{PASSWORD_REALM}' not allowed for the client.")


# --- client authentication ---------------------------------------------------------------------


def test_wrong_or_missing_client_secret_and_unknown_client(api):
    client, user = api.create_client(), api.create_user()
    login = {"grant_type": "password", "username": user["login"], "password": user["password"]}
    for creds in ({"client_id": client["client_id"], "client_secret": client["client_secret"] + "x"},
                  {"client_id": client["client_id"]},
                  {"client_id": "no-such-client", "client_secret": client["client_secret"]}):
        r = api.http.post("/oauth/token", data={**login, **creds})
        _error(r, 401, "access_denied", "Unauthorized")
        assert "www-authenticate" not in r.headers  # secret was not sent with HTTP Basic
    r = api.http.post("/oauth/token", data=login)
    _error(r, 400, "invalid_request", "Missing required parameter: client_id")


def test_http_basic_client_authentication(api):
    client = api.create_client(grant_types=ALL_GRANTS + ["client_credentials"], method="client_secret_basic")
    user = api.create_user()
    login = {"grant_type": "password", "username": user["login"], "password": user["password"]}

    r = api.http.post("/oauth/token", data=login, headers=_basic(client["client_id"], client["client_secret"]))
    _error(r, 403, "mfa_required")
    r = api.http.post("/oauth/token", data={"grant_type": "client_credentials", "audience": API_AUDIENCE},
                      headers=_basic(client["client_id"], client["client_secret"]))
    assert r.status_code == 200 and no_store(r), r.text
    # client_id in the body as well is fine when it matches.
    r = api.http.post("/oauth/token", data={**login, "client_id": client["client_id"]},
                      headers=_basic(client["client_id"], client["client_secret"]))
    _error(r, 403, "mfa_required")


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/mfa/challenge"])
def test_wrong_basic_secret_gives_401_with_www_authenticate(api, path):
    """The same client authentication guards /oauth/token, /oauth/revoke and /mfa/challenge."""
    client = api.create_client(method="client_secret_basic")
    r = api.http.post(path, headers=_basic(client["client_id"], client["client_secret"] + "x"),
                      data={"grant_type": "password", "username": "a@example.com", "password": "x" * 9,
                            "token": "t" * 43, "mfa_token": "m" * 43})
    _error(r, 401, "access_denied", "Unauthorized")
    # RFC 6749 §5.2: a 401 after HTTP Basic client authentication carries WWW-Authenticate.
    assert r.headers.get("www-authenticate", "").lower().startswith("basic"), dict(r.headers)


def test_secret_in_basic_and_body_is_refused(api):
    client = api.create_client(method="client_secret_basic")
    user = api.create_user()
    r = api.http.post("/oauth/token", headers=_basic(client["client_id"], client["client_secret"]), data={
        "grant_type": "password", "username": user["login"], "password": user["password"],
        "client_id": client["client_id"], "client_secret": client["client_secret"],
    })
    _error(r, 400, "invalid_request")


def test_public_client_authenticates_with_client_id_only(api):
    public = api.create_client(method="none")
    assert "client_secret" not in public
    user = api.create_user()
    r = api.http.post("/oauth/token", data={"grant_type": "password", "client_id": public["client_id"],
                                            "username": user["login"], "password": user["password"]})
    body = _error(r, 403, "mfa_required")
    assert body["mfa_token"]


# --- parameter hygiene -------------------------------------------------------------------------


def test_repeated_parameter_is_refused(api):
    client, user = api.create_client(), api.create_user()
    r = api.http.post("/oauth/token", headers={"content-type": "application/x-www-form-urlencoded"},
                      content=f"grant_type=password&grant_type=password&username={user['login']}"
                              f"&password={user['password']}&client_id={client['client_id']}"
                              f"&client_secret={client['client_secret']}")
    _error(r, 400, "invalid_request")
    # Even a repeated client_secret with different values.
    r = api.http.post("/oauth/token", headers={"content-type": "application/x-www-form-urlencoded"},
                      content=f"grant_type=password&username=a&password=b&client_id={client['client_id']}"
                              f"&client_secret=wrong&client_secret={client['client_secret']}")
    _error(r, 400, "invalid_request")
    # And in a JSON body, where a parser would silently keep the last value.
    r = api.http.post("/oauth/token", headers={"content-type": "application/json"},
                      content='{"grant_type":"client_credentials","grant_type":"password",'
                              f'"client_id":"{client["client_id"]}","client_secret":"{client["client_secret"]}"}}')
    _error(r, 400, "invalid_request")


def test_get_is_405(api):
    r = api.http.get("/oauth/token")
    assert r.status_code == 405
    assert no_store(r)
    assert "POST" in r.headers.get("allow", "")


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_megabyte_scope_is_413_quickly(api, as_json):
    client = api.create_client()
    body = {"grant_type": "password", "username": "a@example.com", "password": "whatever-1",
            "scope": "openid " + "x" * (1024 * 1024), **_creds(client)}
    started = time.monotonic()
    r = api.http.post("/oauth/token", json=body) if as_json else api.http.post("/oauth/token", data=body)
    elapsed = time.monotonic() - started
    _error(r, 413, "invalid_request")
    assert elapsed < 2, elapsed


def test_overlong_parameter_under_the_body_limit_is_refused(api):
    client = api.create_client()
    r = api.token(client, grant_type="password", username="a@example.com", password="whatever-1",
                  scope="openid " + "x" * 5000)
    _error(r, 400, "invalid_request")


# --- grants --------------------------------------------------------------------------------------


def test_client_credentials(api):
    client = api.create_client(grant_types=["client_credentials"])
    r = api.token(client, grant_type="client_credentials")
    _error(r, 403, "access_denied")

    r = api.token(client, grant_type="client_credentials", audience=API_AUDIENCE, scope="read:things")
    assert r.status_code == 200 and no_store(r), r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and isinstance(body["expires_in"], int)
    assert "id_token" not in body and "refresh_token" not in body
    assert header_of(body["access_token"])["alg"] == "RS256"
    claims = verify(api, body["access_token"], audience=API_AUDIENCE)
    assert claims["sub"] == f"{client['client_id']}@clients"
    assert claims["aud"] == API_AUDIENCE
    assert claims["scope"] == "read:things"


def test_public_client_cannot_use_client_credentials(api):
    # Registration refuses a public client listing client_credentials (see the Okta tests), so
    # for a public client the grant is simply not allowed.
    public = api.create_client(method="none")
    r = api.http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": public["client_id"],
                                            "audience": API_AUDIENCE})
    _error(r, 403, "unauthorized_client", "Grant type 'client_credentials' not allowed for the client.")


def test_password_grant_requires_mfa_by_default(api):
    client, user = api.create_client(), api.create_user()
    r = api.password_login(client, user, scope="openid")
    body = _error(r, 403, "mfa_required", "Multifactor authentication required")
    assert isinstance(body["mfa_token"], str) and body["mfa_token"]
    assert body["mfa_requirements"] == {"enroll": [{"type": "otp"}, {"type": "phone"}, {"type": "email"}]}
    assert "access_token" not in body


def test_wrong_password_and_unknown_user(api):
    client, user = api.create_client(), api.create_user()
    r = api.token(client, grant_type="password", username=user["login"], password=user["password"] + "x")
    _error(r, 403, "invalid_grant", "Wrong email or password.")
    r = api.token(client, grant_type="password", username="nobody-" + user["login"], password=user["password"])
    _error(r, 403, "invalid_grant", "Wrong email or password.")


def test_password_realm(api):
    client, user = api.create_client(), api.create_user()
    r = api.token(client, grant_type=PASSWORD_REALM, username=user["login"], password=user["password"],
                  realm="Username-Password-Authentication")
    _error(r, 403, "mfa_required")
    r = api.token(client, grant_type=PASSWORD_REALM, username=user["login"], password=user["password"],
                  realm="No-Such-Connection")
    _error(r, 400, "invalid_request")
    r = api.token(client, grant_type=PASSWORD_REALM, username=user["login"], password=user["password"])
    _error(r, 400, "invalid_request", "Missing required parameter: realm")


def test_successful_token_response_is_no_store(api):
    client = api.create_client()
    enrolled = api.enrolled_user(client, scope="openid")
    # enrolled_user's final mfa-otp call succeeded; repeat one success here to look at headers.
    mfa_token = api.mfa_token(client, enrolled)
    r = api.mfa_otp(client, mfa_token, enrolled["next_code"])
    assert r.status_code == 200 and no_store(r), r.text
    assert claims_of(r.json()["access_token"])["sub"] == enrolled["id"]
