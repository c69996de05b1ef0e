"""Access policies and rules of a custom authorization server (seed 000, second part: the
MFA OTP grant on the Default Policy Rule) and their effect on /oauth2/{id}/v1/token: a grant no
rule allows is refused before anything is checked or spent, and the rule's lifetimes apply."""
from __future__ import annotations

import jwt
import pytest

from ..support import default_server_rule, MFA_OTP, okta_token, put_server_rule, user_with_totp

PASSWORD_SCOPE = "openid profile offline_access"
DENIED = {"error": "access_denied",
          "error_description": "Policy evaluation failed for this request, please check the policy configurations."}


def _base(api) -> str:
    return "/api/v1/authorizationServers/default/policies"


@pytest.fixture
def rule(api):
    policy, rule = default_server_rule(api)
    yield policy, rule
    assert put_server_rule(api, policy, rule).status_code == 200  # as it was, for the session's other tests
    r = api.http.post(f"{_base(api)}/{policy['id']}/rules/{rule['id']}/lifecycle/activate", headers=api.ssws)
    assert r.status_code == 204, r.text


def test_the_default_server_has_a_default_policy_and_rule(api, rule):
    policy, r = rule
    assert policy["type"] == "OAUTH_AUTHORIZATION_POLICY" and policy["status"] == "ACTIVE"
    assert policy["conditions"] == {"clients": {"include": ["ALL_CLIENTS"]}}
    assert policy["_links"]["rules"]["href"].endswith(f"/policies/{policy['id']}/rules")
    assert r["type"] == "RESOURCE_ACCESS" and r["status"] == "ACTIVE" and r["id"].startswith("0pr")
    assert MFA_OTP in r["conditions"]["grantTypes"]["include"] and "password" in r["conditions"]["grantTypes"]["include"]
    assert r["conditions"]["scopes"] == {"include": ["*"]}
    assert r["actions"]["token"] == {"accessTokenLifetimeMinutes": 60, "refreshTokenLifetimeMinutes": 0,
                                     "refreshTokenWindowMinutes": 10080}
    got = api.http.get(f"{_base(api)}/{policy['id']}/rules/{r['id']}", headers=api.ssws)
    assert got.status_code == 200 and got.json() == r
    assert api.http.get("/api/v1/authorizationServers/org/policies", headers=api.ssws).status_code == 404
    assert api.http.get("/api/v1/authorizationServers/nope/policies", headers=api.ssws).status_code == 404


def test_unchecking_mfa_otp_refuses_the_grant_and_checking_it_allows_it(api, rule):
    """Seed 000: Edit Rule → the MFA OTP checkbox → Update Rule."""
    policy, r = rule
    without = [g for g in r["conditions"]["grantTypes"]["include"] if g != MFA_OTP]
    assert put_server_rule(api, policy, r, conditions={"grantTypes": {"include": without}}).status_code == 200
    client = api.create_client(["password", MFA_OTP, "refresh_token"], method="client_secret_basic")
    user, code = user_with_totp(api)
    reply = okta_token(api, "/oauth2/default/v1/token", client, grant_type="password", username=user["login"],
                  password=user["password"], scope=PASSWORD_SCOPE)
    assert reply.status_code == 403 and reply.json()["error"] == "mfa_required"  # password is still allowed
    mfa_token = reply.json()["mfa_token"]
    denied = okta_token(api, "/oauth2/default/v1/token", client, grant_type=MFA_OTP, mfa_token=mfa_token, otp=code)
    assert denied.status_code == 400 and denied.json() == DENIED
    # The org server has no access policies: unaffected.
    org = okta_token(api, "/oauth2/v1/token", client, grant_type="password", username=user["login"],
                password=user["password"], scope=PASSWORD_SCOPE)
    assert org.status_code == 403 and org.json()["error"] == "mfa_required"

    r2 = put_server_rule(api, policy, r, conditions={"grantTypes": {"include": without + [MFA_OTP]}},
                   actions={"token": {"accessTokenLifetimeMinutes": 5, "refreshTokenLifetimeMinutes": 0,
                                      "refreshTokenWindowMinutes": 10080}})
    assert r2.status_code == 200, r2.text
    # The refused request neither spent the code nor the mfa_token.
    ok = okta_token(api, "/oauth2/default/v1/token", client, grant_type=MFA_OTP, mfa_token=mfa_token, otp=code)
    assert ok.status_code == 200, ok.text
    assert ok.json()["expires_in"] == 300  # the rule's lifetime
    claims = jwt.decode(ok.json()["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 300


def test_an_inactive_rule_allows_nothing(api, rule):
    policy, r = rule
    url = f"{_base(api)}/{policy['id']}/rules/{r['id']}/lifecycle"
    assert api.http.post(url + "/deactivate", headers=api.ssws).status_code == 204
    client = api.create_client(["password", MFA_OTP], method="client_secret_basic")
    user = api.create_user()
    reply = okta_token(api, "/oauth2/default/v1/token", client, grant_type="password", username=user["login"],
                  password=user["password"], scope="openid")
    assert reply.status_code == 400 and reply.json() == DENIED
    assert api.http.post(url + "/activate", headers=api.ssws).status_code == 204
    assert api.http.get(f"{_base(api)}/{policy['id']}/rules/{r['id']}", headers=api.ssws).json()["status"] == "ACTIVE"


def test_policies_and_rules_are_managed_and_validated(api, rule):
    policy, r = rule
    created = api.http.post(_base(api), headers=api.ssws, json={
        "type": "OAUTH_AUTHORIZATION_POLICY", "name": "Partners", "description": "d", "priority": 1,
        "conditions": {"clients": {"include": ["ALL_CLIENTS"]}}})
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    try:
        bad = {"name": "x", "conditions": {"grantTypes": {"include": ["telepathy"]}}}
        refused = api.http.post(f"{_base(api)}/{pid}/rules", headers=api.ssws, json=bad)
        assert refused.status_code == 400 and refused.json()["errorCauses"] == [
            {"errorSummary": "conditions.grantTypes.include: Unknown grant type 'telepathy'."}]
        short = {"name": "x", "conditions": {"grantTypes": {"include": ["password"]}},
                 "actions": {"token": {"accessTokenLifetimeMinutes": 1}}}
        refused = api.http.post(f"{_base(api)}/{pid}/rules", headers=api.ssws, json=short)
        assert refused.status_code == 400 and refused.json()["errorCauses"] == [
            {"errorSummary": "actions.token.accessTokenLifetimeMinutes: From 5 minutes to 1 day."}]
        nobody = api.http.post(_base(api), headers=api.ssws, json={"name": "y", "conditions": {"clients": {}}})
        assert nobody.status_code == 400 and nobody.json()["errorCauses"] == [
            {"errorSummary": "conditions.clients.include: ALL_CLIENTS or a list of client ids"}]
        ok = {"name": "Password only", "conditions": {"grantTypes": {"include": ["password"]},
                                                       "scopes": {"include": ["openid"]}}}
        made = api.http.post(f"{_base(api)}/{pid}/rules", headers=api.ssws, json=ok)
        assert made.status_code == 201 and made.json()["conditions"]["scopes"]["include"] == ["openid"]
        listed = api.http.get(f"{_base(api)}/{pid}/rules", headers=api.ssws).json()
        assert [x["name"] for x in listed] == ["Password only"]
        assert api.http.delete(f"{_base(api)}/{pid}/rules/{made.json()['id']}", headers=api.ssws).status_code == 204
        assert api.http.get(f"{_base(api)}/{pid}/rules/{made.json()['id']}", headers=api.ssws).status_code == 404
    finally:
        assert api.http.delete(f"{_base(api)}/{pid}", headers=api.ssws).status_code == 204
    assert api.http.get(f"{_base(api)}/{pid}", headers=api.ssws).status_code == 404
