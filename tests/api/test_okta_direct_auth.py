"""Okta direct authentication (seed 000; reference B.7): password → mfa_required →
mfa-otp → tokens on the org and the `default` authorization servers; the OTP grant; the
challenge endpoint; metadata and keys per server."""
from __future__ import annotations

import jwt
import pytest

from ..support import MFA_OTP, okta_token, user_with_totp, wrong_code

OKTA_OTP = "urn:okta:params:oauth:grant-type:otp"


def _okta_client(api, grants=("password", MFA_OTP, "refresh_token"), method="client_secret_basic"):
    return api.create_client(list(grants), method=method)


def _keys(api, path):
    return {k["kid"]: jwt.PyJWK(k) for k in api.http.get(path).json()["keys"]}


@pytest.mark.parametrize("prefix,issuer_suffix,aud", [("/oauth2/default", "oauth2/default", "api://default"),
                                                      ("/oauth2", "", None)])
def test_mfa_otp_flow(api, prefix, issuer_suffix, aud):
    client = _okta_client(api)
    user, code = user_with_totp(api)
    token_url = f"{prefix}/v1/token"
    r = okta_token(api, token_url, client, grant_type="password", username=user["login"], password=user["password"],
              scope="openid profile offline_access")
    assert r.status_code == 403 and r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["error"] == "mfa_required"
    assert body["error_description"] == "Verify with an additional authenticator to complete the sign-in process."
    assert "mfa_requirements" not in body
    r = okta_token(api, f"{prefix}/v1/challenge", client, mfa_token=body["mfa_token"],
              challenge_types_supported=MFA_OTP)
    assert r.status_code == 200 and r.json() == {"challenge_type": MFA_OTP}
    r = okta_token(api, token_url, client, grant_type=MFA_OTP, mfa_token=body["mfa_token"], otp=code,
              scope="openid profile offline_access")
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert tokens["scope"] == "openid profile offline_access" and tokens["refresh_token"]
    meta = api.http.get(f"{prefix}/.well-known/oauth-authorization-server" if prefix != "/oauth2"
                        else "/.well-known/oauth-authorization-server").json()
    issuer = (api.issuer + issuer_suffix) if issuer_suffix else api.issuer.rstrip("/")
    assert meta["issuer"] == issuer and meta["token_endpoint"] == api.base_url + token_url
    keys = _keys(api, f"{prefix}/v1/keys")
    header = jwt.get_unverified_header(tokens["access_token"])
    at = jwt.decode(tokens["access_token"], keys[header["kid"]].key, algorithms=["RS256"],
                    audience=aud or issuer, issuer=issuer)
    assert at["uid"] == user["id"] and at["sub"] == user["login"] and at["cid"] == client["client_id"]
    assert at["scp"] == ["openid", "profile", "offline_access"] and "otp" in at["amr"]
    idt = jwt.decode(tokens["id_token"], keys[header["kid"]].key, algorithms=["RS256"],
                     audience=client["client_id"], issuer=issuer)
    assert idt["sub"] == user["id"]
    r = okta_token(api, token_url, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert r.status_code == 200 and r.json()["refresh_token"] != tokens["refresh_token"]


def test_custom_server_discovery_and_unknown_server(api):
    doc = api.http.get("/oauth2/default/.well-known/openid-configuration").json()
    assert doc["issuer"] == api.issuer + "oauth2/default"
    assert doc["jwks_uri"] == api.issuer + "oauth2/default/v1/keys"
    r = api.http.get("/oauth2/nosuchserver/v1/keys")
    assert r.status_code == 404 and r.json()["errorCode"] == "E0000007"


def test_errors_in_okta_words(api):
    client = _okta_client(api)
    user, code = user_with_totp(api)
    url = "/oauth2/default/v1/token"
    r = okta_token(api, url, client, grant_type="password", username=user["login"], password="wrong-password-1")
    assert (r.status_code, r.json()["error"]) == (400, "invalid_scope")
    r = okta_token(api, url, client, grant_type="password", username=user["login"], password="wrong-password-1", scope="openid")
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant",
                                                 "error_description": "The credentials provided were invalid."}
    r = okta_token(api, url, client, grant_type="client_credentials", scope="x")
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = okta_token(api, url, client, grant_type=OKTA_OTP, login_hint=user["login"], otp=code, scope="openid")
    assert r.status_code == 400 and r.json()["error"] == "unauthorized_client"
    assert r.json()["error_description"].startswith("The client isn't authorized to use the provided grant type. "
                                                    "Configured grant types: [password, ")
    r = api.http.post(url, data={"grant_type": "password"}, auth=(client["client_id"], "wrong"))
    assert r.status_code == 401 and r.json()["error"] == "invalid_client" and "Basic" in r.headers["www-authenticate"]
    r = api.http.post(url, data={"grant_type": "password"})
    assert r.status_code == 401 and r.json()["error_description"] == "No client credentials found."
    r = okta_token(api, url, client, grant_type=MFA_OTP, mfa_token="not-a-real-token", otp=code)
    assert r.status_code == 400 and r.json()["error"] == "access_denied"
    # An mfa_token is bound to the authorization server that issued it (R45).
    mt = okta_token(api, "/oauth2/v1/token", client, grant_type="password", username=user["login"],
               password=user["password"], scope="openid").json()["mfa_token"]
    assert okta_token(api, url, client, grant_type=MFA_OTP, mfa_token=mt, otp=code).json()["error"] == "access_denied"
    assert api.mfa_otp(client, mt, code).json()["error_description"] == "Malformed mfa_token"
    r = okta_token(api, url, client, grant_type=MFA_OTP, mfa_token=mt, otp=wrong_code(user["secret"]))
    assert r.json()["error"] == "access_denied"  # still another server's token


def test_otp_as_primary_factor(api):
    client = _okta_client(api, grants=(OKTA_OTP,), method="none")
    user, code = user_with_totp(api)
    url = "/oauth2/default/v1/token"
    r = okta_token(api, url, client, grant_type=OKTA_OTP, login_hint=user["login"], otp=code, scope="openid")
    assert r.status_code == 200, r.text
    assert jwt.decode(r.json()["access_token"], options={"verify_signature": False})["amr"] == ["otp"]
    r = okta_token(api, url, client, grant_type=OKTA_OTP, login_hint=user["login"], otp=code, scope="openid")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"  # replayed (R1)
    r = okta_token(api, url, client, grant_type=OKTA_OTP, login_hint="nobody@example.com", otp=code, scope="openid")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"

