"""Okta direct authentication with a code sent by SMS, voice or email (reference B.7): password
→ mfa_required → /challenge with channel_hint → the mfa-oob grant (mfa_token, oob_code and the
code as binding_code) → tokens whose `amr` names the channel (RFC 8176). R21: a code answers
the challenge that sent it, for the transaction that asked, and no other."""
from __future__ import annotations

import jwt
import pytest

from ..support import (
    MFA_OTP, default_server_rule, latest_code, new_email, new_phone, okta_token, put_server_rule,
)

MFA_OOB = "http://auth0.com/oauth/grant-type/mfa-oob"
GRANTS = ("password", MFA_OTP, MFA_OOB, "refresh_token")


def _user_with(api, *factors: tuple[str, dict]) -> dict:
    """A user with these factors active (Okta's auto-activation: no code sent yet)."""
    user = api.create_user()
    for factor_type, profile in factors:
        r = api.http.post(f"/api/v1/users/{user['id']}/factors?activate=true", headers=api.ssws,
                          json={"factorType": factor_type, "provider": "OKTA", "profile": profile})
        assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
    return user


def _mfa_token(api, prefix, client, user) -> str:
    r = okta_token(api, f"{prefix}/v1/token", client, grant_type="password", username=user["login"],
                   password=user["password"], scope="openid profile")
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text
    return r.json()["mfa_token"]


def _challenge(api, prefix, client, mfa_token, **params):
    return okta_token(api, f"{prefix}/v1/challenge", client, mfa_token=mfa_token, **params)


@pytest.fixture
def default_rule_with_mfa_oob(api):
    """The `default` server's Default Policy Rule, with mfa-oob added (Okta: an administrator
    allows each grant per rule), put back afterwards."""
    policy, rule = default_server_rule(api)
    grants = rule["conditions"]["grantTypes"]["include"]
    r = put_server_rule(api, policy, rule, conditions={"grantTypes": {"include": [*grants, MFA_OOB]}})
    assert r.status_code == 200, r.text
    yield
    assert put_server_rule(api, policy, rule).status_code == 200


@pytest.mark.parametrize("prefix", ["/oauth2", "/oauth2/default"])
def test_sms_sign_in(api, server, prefix, request):
    if prefix != "/oauth2":
        request.getfixturevalue("default_rule_with_mfa_oob")
    client = api.create_client(list(GRANTS), method="client_secret_basic")
    phone = new_phone()
    user = _user_with(api, ("sms", {"phoneNumber": phone}))
    mt = _mfa_token(api, prefix, client, user)
    r = _challenge(api, prefix, client, mt, challenge_types_supported=f"{MFA_OTP} {MFA_OOB}", channel_hint="sms")
    assert r.status_code == 200, r.text
    sent = r.json()
    assert set(sent) == {"challenge_type", "oob_code", "channel", "binding_method", "expires_in"}
    assert (sent["challenge_type"], sent["channel"], sent["binding_method"], sent["expires_in"]) == (
        MFA_OOB, "sms", "prompt", 300)
    code = latest_code(server, phone)
    assert code not in sent["oob_code"]
    token = f"{prefix}/v1/token"
    r = okta_token(api, token, client, grant_type=MFA_OOB, mfa_token=mt, oob_code=sent["oob_code"])
    assert r.status_code == 400 and r.json() == {"error": "invalid_request",
                                                 "error_description": "The 'binding_code' parameter is required."}
    wrong = "000000" if code != "000000" else "111111"
    r = okta_token(api, token, client, grant_type=MFA_OOB, mfa_token=mt, oob_code=sent["oob_code"], binding_code=wrong)
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant",
                                                 "error_description": "The credentials provided were invalid."}
    r = okta_token(api, token, client, grant_type=MFA_OOB, mfa_token=mt, oob_code=sent["oob_code"], binding_code=code)
    assert r.status_code == 200, r.text
    claims = jwt.decode(r.json()["access_token"], options={"verify_signature": False})
    assert "sms" in claims["amr"] and "mfa" in claims["amr"] and "pwd" in claims["amr"]
    assert claims["uid"] == user["id"] and r.json()["scope"] == "openid profile" and r.json()["id_token"]
    # Spent: the same answer again is refused (the transaction and the code are used, R1).
    r = okta_token(api, token, client, grant_type=MFA_OOB, mfa_token=mt, oob_code=sent["oob_code"], binding_code=code)
    assert r.status_code == 400 and r.json()["error"] == "access_denied"


def test_voice_sign_in_says_the_code(api, server):
    client = api.create_client(list(GRANTS))
    phone = new_phone()
    user = _user_with(api, ("call", {"phoneNumber": phone}))
    mt = _mfa_token(api, "/oauth2", client, user)
    sent = _challenge(api, "/oauth2", client, mt, channel_hint="voice").json()
    assert (sent["channel"], sent["binding_method"]) == ("voice", "prompt")
    r = okta_token(api, "/oauth2/v1/token", client, grant_type=MFA_OOB, mfa_token=mt, oob_code=sent["oob_code"],
                   binding_code=latest_code(server, phone))
    assert r.status_code == 200, r.text
    assert "tel" in jwt.decode(r.json()["access_token"], options={"verify_signature": False})["amr"]


def test_a_code_answers_only_its_own_challenge(api, server):
    """R21: challenge A (SMS) and challenge B (email) for one sign-in: A's code is refused on B's
    oob_code, and on A's oob_code under another sign-in's mfa_token; it works where it belongs."""
    client = api.create_client(list(GRANTS))
    phone, address = new_phone(), new_email()
    user = _user_with(api, ("sms", {"phoneNumber": phone}), ("email", {"email": address}))
    mt = _mfa_token(api, "/oauth2", client, user)
    a = _challenge(api, "/oauth2", client, mt, channel_hint="sms").json()
    b = _challenge(api, "/oauth2", client, mt, channel_hint="email").json()
    assert (a["channel"], b["channel"]) == ("sms", "email")
    code_a, code_b = latest_code(server, phone), latest_code(server, address)
    url = "/oauth2/v1/token"
    if code_a != code_b:
        r = okta_token(api, url, client, grant_type=MFA_OOB, mfa_token=mt, oob_code=b["oob_code"], binding_code=code_a)
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    other = _mfa_token(api, "/oauth2", client, user)
    r = okta_token(api, url, client, grant_type=MFA_OOB, mfa_token=other, oob_code=a["oob_code"], binding_code=code_a)
    assert r.status_code == 400 and r.json()["error"] == "access_denied", r.text
    r = okta_token(api, url, client, grant_type=MFA_OOB, mfa_token=mt, oob_code=a["oob_code"], binding_code=code_a)
    assert r.status_code == 200, r.text
    assert "sms" in jwt.decode(r.json()["access_token"], options={"verify_signature": False})["amr"]


def test_channel_hint_refusals(api):
    client = api.create_client(list(GRANTS))
    user = _user_with(api, ("sms", {"phoneNumber": new_phone()}))
    mt = _mfa_token(api, "/oauth2", client, user)
    r = _challenge(api, "/oauth2", client, mt, channel_hint="foo")
    assert r.status_code == 400 and r.json() == {
        "error": "invalid_request",
        "error_description": "`foo` isn't supported as a `channel_hint`. Try again with another value."}
    for hint in ("voice", "push", "email"):  # Okta's hints, with no authenticator of this user's there
        r = _challenge(api, "/oauth2", client, mt, channel_hint=hint)
        assert r.status_code == 403 and r.json()["error"] == "access_denied", (hint, r.text)
        assert r.json()["error_description"].startswith("The required authenticator can't be used.")
    r = _challenge(api, "/oauth2", client, mt, channel_hint="sms", challenge_types_supported=MFA_OTP)
    assert r.status_code == 403 and r.json()["error"] == "access_denied"


def test_mfa_oob_needs_the_grant_on_the_client_and_the_rule(api, server):
    client = api.create_client(["password", MFA_OTP], method="client_secret_basic")
    user = _user_with(api, ("sms", {"phoneNumber": new_phone()}))
    mt = _mfa_token(api, "/oauth2", client, user)
    r = okta_token(api, "/oauth2/v1/token", client, grant_type=MFA_OOB, mfa_token=mt, oob_code="x", binding_code="1")
    assert r.status_code == 400 and r.json()["error"] == "unauthorized_client"
    # The `default` server's Default Policy Rule does not include mfa-oob until an administrator adds it.
    client = api.create_client(list(GRANTS))
    mt = _mfa_token(api, "/oauth2/default", client, user)
    r = okta_token(api, "/oauth2/default/v1/token", client, grant_type=MFA_OOB, mfa_token=mt, oob_code="x",
                   binding_code="1")
    assert r.status_code == 400 and r.json()["error"] == "access_denied", r.text
    meta = api.http.get("/.well-known/oauth-authorization-server").json()
    assert MFA_OOB in meta["grant_types_supported"]


def test_a_second_challenge_within_30_s_is_429(api, server):
    """R27 on the OAuth plane: the refused send reaches no provider; the first code still works."""
    from ..support import outbox

    client = api.create_client(list(GRANTS))
    phone = new_phone()
    user = _user_with(api, ("sms", {"phoneNumber": phone}))
    mt = _mfa_token(api, "/oauth2", client, user)
    first = _challenge(api, "/oauth2", client, mt, channel_hint="sms").json()
    r = _challenge(api, "/oauth2", client, mt, channel_hint="sms")
    assert r.status_code == 429 and r.json() == {
        "error": "invalid_grant", "error_description": "API call exceeded the rate limit due to too many requests."}
    assert len(outbox(server, phone)) == 1
    r = okta_token(api, "/oauth2/v1/token", client, grant_type=MFA_OOB, mfa_token=mt, oob_code=first["oob_code"],
                   binding_code=latest_code(server, phone))
    assert r.status_code == 200, r.text
