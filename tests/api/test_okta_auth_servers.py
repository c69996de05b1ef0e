"""Okta's /api/v1/authorizationServers: custom servers an administrator adds, with their
audiences, lifecycle and access policies; a new server refuses every grant until a policy
rule allows it (as in Okta), then issues tokens for its own issuer and audience."""
from __future__ import annotations

import jwt

from ..support import MFA_OTP, oathtool_totp


def test_custom_server_lifecycle_and_policies(api):
    listed = api.http.get("/api/v1/authorizationServers", headers=api.ssws).json()
    default = next(s for s in listed if s["id"] == "default")
    assert default["audiences"] == ["api://default"] and default["issuer"].endswith("/oauth2/default")

    r = api.http.post("/api/v1/authorizationServers", headers=api.ssws,
                      json={"name": "Partners", "description": "for partners", "audiences": ["api://partners"]})
    assert r.status_code == 200, r.text
    server = r.json()
    sid = server["id"]
    assert sid.startswith("aus") and server["status"] == "ACTIVE" and server["audiences"] == ["api://partners"]
    meta = api.http.get(f"/oauth2/{sid}/.well-known/openid-configuration")
    assert meta.status_code == 200 and meta.json()["issuer"] == server["issuer"]

    client = api.create_client(["password", MFA_OTP], method="client_secret_basic")
    user = api.create_user()

    def password():
        return api.http.post(f"/oauth2/{sid}/v1/token", auth=(client["client_id"], client["client_secret"]),
                             data={"grant_type": "password", "username": user["login"],
                                   "password": user["password"], "scope": "openid"})

    assert password().json()["error"] == "access_denied"  # no policy yet
    policy = api.http.post(f"/api/v1/authorizationServers/{sid}/policies", headers=api.ssws, json={
        "name": "All", "description": "d", "priority": 1, "conditions": {"clients": {"include": ["ALL_CLIENTS"]}}})
    assert policy.status_code == 201, policy.text
    rule = api.http.post(f"/api/v1/authorizationServers/{sid}/policies/{policy.json()['id']}/rules",
                         headers=api.ssws, json={"name": "Password", "conditions": {"grantTypes": {"include": ["password"]}}})
    assert rule.status_code == 201, rule.text
    r = password()  # allowed now; the user has no factor, so (TWOFOLD_MFA_POLICY=always) enrol first
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text
    mfa_token = r.json()["mfa_token"]
    assoc = api.associate(mfa_token)
    assert assoc.status_code == 200, assoc.text
    code = oathtool_totp(assoc.json()["secret"])
    otp = api.http.post(f"/oauth2/{sid}/v1/token", auth=(client["client_id"], client["client_secret"]),
                        data={"grant_type": MFA_OTP, "mfa_token": mfa_token, "otp": code})
    assert otp.status_code == 400 and otp.json()["error"] == "access_denied"  # the rule allows password only
    api.http.put(f"/api/v1/authorizationServers/{sid}/policies/{policy.json()['id']}/rules/{rule.json()['id']}",
                 headers=api.ssws, json={"name": "Password", "conditions": {"grantTypes": {"include": ["password", MFA_OTP]}}})
    otp = api.http.post(f"/oauth2/{sid}/v1/token", auth=(client["client_id"], client["client_secret"]),
                        data={"grant_type": MFA_OTP, "mfa_token": mfa_token, "otp": code})
    assert otp.status_code == 200, otp.text
    claims = jwt.decode(otp.json()["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "api://partners" and claims["iss"] == server["issuer"]

    r = api.http.put(f"/api/v1/authorizationServers/{sid}", headers=api.ssws,
                     json={"name": "Partners", "audiences": ["api://partners", "api://other"]})
    assert r.status_code == 200 and r.json()["audiences"] == ["api://partners", "api://other"]
    r = api.http.put(f"/api/v1/authorizationServers/{sid}", headers=api.ssws, json={"name": "x", "audiences": []})
    assert r.status_code == 400 and r.json()["errorCode"] == "E0000001"

    assert api.http.post(f"/api/v1/authorizationServers/{sid}/lifecycle/deactivate", headers=api.ssws).status_code == 204
    assert api.http.get(f"/api/v1/authorizationServers/{sid}", headers=api.ssws).json()["status"] == "INACTIVE"
    assert password().status_code == 404  # an inactive server does not answer
    assert api.http.post(f"/api/v1/authorizationServers/{sid}/lifecycle/activate", headers=api.ssws).status_code == 204
    assert password().json()["error"] == "mfa_required"

    assert api.http.delete(f"/api/v1/authorizationServers/{sid}", headers=api.ssws).status_code == 204
    assert api.http.get(f"/api/v1/authorizationServers/{sid}", headers=api.ssws).status_code == 404
    assert api.http.get(f"/api/v1/authorizationServers/{sid}/policies", headers=api.ssws).status_code == 404
    assert password().status_code == 404
