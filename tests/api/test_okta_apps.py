"""Okta's Apps API for OIDC apps: the same clients as /oauth2/v1/clients and /oauth/token use.
Unchecking a grant on the app refuses it at the token endpoint; a deactivated app cannot
authenticate; a rotated secret replaces the old one at once."""
from __future__ import annotations

from ..support import MFA_OTP


def _app_body(**oauth):
    return {"name": "oidc_client", "label": "Portal", "signOnMode": "OPENID_CONNECT",
            "credentials": {"oauthClient": {"token_endpoint_auth_method": "client_secret_post"}},
            "settings": {"oauthClient": {"grant_types": ["password", MFA_OTP], "application_type": "native",
                                         "redirect_uris": [], "response_types": [], **oauth}}}


def _password(api, client_id, secret, user):
    return api.http.post("/oauth/token", data={"grant_type": "password", "client_id": client_id,
                                               "client_secret": secret, "username": user["login"],
                                               "password": user["password"], "scope": "openid"})


def test_app_lifecycle_grants_and_secret_rotation(api):
    r = api.http.post("/api/v1/apps", headers=api.ssws, json=_app_body())
    assert r.status_code == 200, r.text
    app = r.json()
    app_id, secret = app["id"], app["credentials"]["oauthClient"]["client_secret"]
    assert app["status"] == "ACTIVE" and app["signOnMode"] == "OPENID_CONNECT" and app["label"] == "Portal"
    assert app["credentials"]["oauthClient"]["client_id"] == app_id
    assert app["settings"]["oauthClient"]["grant_types"] == ["password", MFA_OTP]
    got = api.http.get(f"/api/v1/apps/{app_id}", headers=api.ssws).json()
    assert "client_secret" not in got["credentials"]["oauthClient"]  # shown once
    assert any(a["id"] == app_id for a in api.http.get("/api/v1/apps", headers=api.ssws).json())

    user = api.create_user()
    assert _password(api, app_id, secret, user).json()["error"] == "mfa_required"  # the app is a client
    body = _app_body(grant_types=[MFA_OTP])
    r = api.http.put(f"/api/v1/apps/{app_id}", headers=api.ssws, json=body)
    assert r.status_code == 200 and r.json()["settings"]["oauthClient"]["grant_types"] == [MFA_OTP], r.text
    r = _password(api, app_id, secret, user)
    assert r.status_code == 403 and r.json()["error"] == "unauthorized_client", r.text
    assert api.http.put(f"/api/v1/apps/{app_id}", headers=api.ssws, json=_app_body()).status_code == 200

    r = api.http.post(f"/api/v1/apps/{app_id}/credentials/secrets", headers=api.ssws)
    assert r.status_code == 200, r.text
    new_secret = r.json()["client_secret"]
    assert new_secret != secret and r.json()["status"] == "ACTIVE"
    assert _password(api, app_id, secret, user).status_code == 401  # the old secret is gone
    assert _password(api, app_id, new_secret, user).json()["error"] == "mfa_required"

    r = api.http.delete(f"/api/v1/apps/{app_id}", headers=api.ssws)
    assert r.status_code == 400 and r.json()["errorCode"] == "E0000001"  # only an inactive app
    r = api.http.post(f"/api/v1/apps/{app_id}/lifecycle/deactivate", headers=api.ssws)
    assert r.status_code == 200 and r.json() == {}
    assert _password(api, app_id, new_secret, user).status_code == 401
    assert api.http.get(f"/api/v1/apps/{app_id}", headers=api.ssws).json()["status"] == "INACTIVE"
    assert api.http.post(f"/api/v1/apps/{app_id}/lifecycle/activate", headers=api.ssws).status_code == 200
    assert _password(api, app_id, new_secret, user).json()["error"] == "mfa_required"
    assert api.http.post(f"/api/v1/apps/{app_id}/lifecycle/deactivate", headers=api.ssws).status_code == 200
    assert api.http.delete(f"/api/v1/apps/{app_id}", headers=api.ssws).status_code == 204
    assert api.http.get(f"/api/v1/apps/{app_id}", headers=api.ssws).status_code == 404


def test_app_validation(api):
    r = api.http.post("/api/v1/apps", headers=api.ssws, json=_app_body(grant_types=["telepathy"]))
    assert r.status_code == 400 and r.json()["errorCode"] == "E0000001"
    r = api.http.post("/api/v1/apps", headers=api.ssws, json={**_app_body(), "signOnMode": "SAML_2_0"})
    assert r.status_code == 400
    r = api.http.post("/api/v1/apps?activate=false", headers=api.ssws, json=_app_body())
    assert r.status_code == 200 and r.json()["status"] == "INACTIVE"
    assert api.http.get("/api/v1/apps/0oaNOPE", headers=api.ssws).status_code == 404


def test_an_app_needs_a_grant_type_and_one_created_inactive_never_authenticates(api):
    from ..support import okta_error

    body = _app_body(grant_types=[])
    cause = okta_error(api.http.post("/api/v1/apps", headers=api.ssws, json=body), 400, "E0000001")["errorCauses"]
    assert any("at least one grant type" in c["errorSummary"] for c in cause), cause
    r = api.http.post("/oauth2/v1/clients", headers=api.ssws, json={"client_name": "x", "grant_types": []})
    assert r.status_code == 400 and r.json()["error"] == "invalid_client_metadata", r.text

    r = api.http.post("/api/v1/apps?activate=false", headers=api.ssws, json=_app_body())
    assert r.status_code == 200 and r.json()["status"] == "INACTIVE", r.text
    secret = r.json()["credentials"]["oauthClient"]["client_secret"]
    user = api.create_user()
    denied = _password(api, r.json()["id"], secret, user)
    assert denied.status_code == 401, denied.text


def test_app_refusals_name_okta_members(api):
    """Each refusal's errorSummary and errorCauses, in Okta's member names (the service names
    its fields neutrally; the adapter names them as Okta's body does)."""
    from ..support import okta_error

    def causes(r, summary="Api validation failed: app"):
        return [c["errorSummary"] for c in okta_error(r, 400, "E0000001", summary)["errorCauses"]]

    def post(body):
        return api.http.post("/api/v1/apps", headers=api.ssws, json=body)

    assert causes(post({**_app_body(), "signOnMode": "SAML_2_0"})) == [
        "signOnMode: Only OPENID_CONNECT apps are supported."]
    assert causes(post({**_app_body(), "settings": ["x"]})) == ["settings: Must be an object."]
    assert causes(post({**_app_body(), "settings": {"oauthClient": 1}})) == ["settings.oauthClient: Must be an object."]
    assert causes(post({**_app_body(), "credentials": {"oauthClient": []}})) == [
        "credentials.oauthClient: Must be an object."]
    assert causes(post({**_app_body(), "name": 5})) == ["name: Must be text of at most 300 characters."]
    metadata = "Api validation failed: client metadata"
    assert causes(post({**_app_body(), "label": "x" * 201}), metadata) == ["label is required (1 to 200 characters)"]
    assert causes(post(_app_body(grant_types=["telepathy"], redirect_uris="x")), metadata) == [
        "Unsupported grant type(s): telepathy", "redirect_uris must be an array of strings"]
    public = {**_app_body(grant_types=["client_credentials"], application_type="bogus"),
              "credentials": {"oauthClient": {"token_endpoint_auth_method": "none"}}}
    assert causes(post(public), metadata) == [
        "client_credentials needs a confidential client (a client secret)",
        "application_type must be one of web, native, browser, service"]
    r = post({**_app_body(), "credentials": {"oauthClient": {"token_endpoint_auth_method": "none"}}})
    app_id = r.json()["id"]
    bad_method = {**_app_body(), "credentials": {"oauthClient": {"token_endpoint_auth_method": "tls"}}}
    assert causes(api.http.put(f"/api/v1/apps/{app_id}", headers=api.ssws, json=bad_method)) == [
        "token_endpoint_auth_method: Must be one of client_secret_post, client_secret_basic, none."]
    assert causes(api.http.put(f"/api/v1/apps/{app_id}", headers=api.ssws, json={**_app_body(), "label": ""}),
                  metadata) == ["label is required (1 to 200 characters)"]
    assert causes(api.http.post(f"/api/v1/apps/{app_id}/credentials/secrets", headers=api.ssws)) == [
        "A public client has no secret."]
    assert causes(api.http.delete(f"/api/v1/apps/{app_id}", headers=api.ssws)) == [
        "Only an inactive app can be deleted. Deactivate it first."]
