"""Seed 002 (Auth0 "Enroll and Challenge OTP Authenticators") with the seed's own requests,
against a real server on SQLite and PostgreSQL, codes computed by Debian's oathtool."""
from __future__ import annotations

from ..support import MFA_RECOVERY, PASSWORD_REALM, oathtool_totp, secret_from_uri, two_codes

NO_STORE = ("no-store", "no-cache")


def _no_store(r):
    return (r.headers.get("cache-control"), r.headers.get("pragma")) == NO_STORE


def test_seed_002_enroll_confirm_challenge_and_recover(api):
    client = api.create_client()
    user = api.create_user()

    # Get MFA token: a JSON body as auth0-python sends it, nulls included.
    r = api.http.post("/oauth/token", json={
        "grant_type": PASSWORD_REALM, "username": user["login"], "password": user["password"],
        "realm": "Username-Password-Authentication", "audience": None, "scope": "openid profile",
        "client_id": client["client_id"], "client_secret": client["client_secret"],
    })
    assert r.status_code == 403 and _no_store(r)
    body = r.json()
    assert body["error"] == "mfa_required"
    assert body["error_description"] == "Multifactor authentication required"
    assert body["mfa_requirements"] == {"enroll": [{"type": "otp"}, {"type": "phone"}, {"type": "email"}]}
    mfa_token = body["mfa_token"]

    # Enroll authenticator: POST /mfa/associate, Bearer MFA_TOKEN, { "authenticator_types": ["otp"] }
    r = api.http.post("/mfa/associate", headers={"authorization": f"Bearer {mfa_token}",
                                                  "content-type": "application/json"},
                      content='{ "authenticator_types": ["otp"] }')
    assert r.status_code == 200 and _no_store(r)
    assoc = r.json()
    assert assoc["authenticator_type"] == "otp"
    assert assoc["barcode_uri"].startswith("otpauth://totp/twofold:")
    assert assoc["barcode_uri"].endswith("&issuer=twofold&algorithm=SHA1&digits=6&period=30")
    assert secret_from_uri(assoc["barcode_uri"]) == assoc["secret"]
    assert len(assoc["recovery_codes"]) == 1 and len(assoc["recovery_codes"][0]) == 24

    # Not yet confirmed: listed, but inactive.
    r = api.http.get("/mfa/authenticators", headers={"authorization": f"Bearer {mfa_token}"})
    assert r.status_code == 200
    assert {a["authenticator_type"]: a["active"] for a in r.json()} == {"otp": False, "recovery-code": False}

    # Confirm OTP enrollment: form body, code from oathtool with the barcode_uri secret.
    first, second = two_codes(secret_from_uri(assoc["barcode_uri"]))
    r = api.http.post("/oauth/token", headers={"content-type": "application/x-www-form-urlencoded"},
                      content=f"grant_type=http%3A%2F%2Fauth0.com%2Foauth%2Fgrant-type%2Fmfa-otp"
                              f"&client_id={client['client_id']}&mfa_token={mfa_token}"
                              f"&client_secret={client['client_secret']}&otp={first}")
    assert r.status_code == 200 and _no_store(r), r.text
    tokens = r.json()
    assert set(tokens) >= {"id_token", "access_token", "expires_in", "scope", "token_type"}
    assert tokens["scope"] == "openid profile" and tokens["token_type"] == "Bearer"

    # Challenge with OTP: a new MFA token, the enrolled list, the challenge, then mfa-otp.
    r = api.password_login(client, user, scope="openid profile")
    assert r.status_code == 403
    assert r.json()["mfa_requirements"] == {"challenge": [{"type": "otp"}, {"type": "recovery-code"}]}
    mfa_token = r.json()["mfa_token"]
    r = api.http.get("/mfa/authenticators", headers={"authorization": f"Bearer {mfa_token}",
                                                      "content-type": "application/json"})
    listed = r.json()
    assert r.status_code == 200 and all(a["active"] for a in listed)
    ids = {a["type"]: a["id"] for a in listed}
    assert ids["otp"].startswith("totp|dev_") and ids["recovery-code"].startswith("recovery-code|dev_")
    r = api.http.post("/mfa/challenge", json={"client_id": client["client_id"], "client_secret": client["client_secret"],
                                              "mfa_token": mfa_token, "challenge_type": "otp",
                                              "authenticator_id": ids["otp"]})
    assert r.status_code == 200 and r.json() == {"challenge_type": "otp"}
    # The confirmation code is spent (R1, R37).
    assert api.mfa_otp(client, mfa_token, first).json()["error_description"] == "Invalid otp_code."
    r = api.mfa_otp(client, mfa_token, second)
    assert r.status_code == 200, r.text
    assert "id_token" in r.json()

    # Challenge with the recovery code: tokens plus a new code; the old one is spent.
    mfa_token = api.mfa_token(client, user)
    r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=mfa_token, recovery_code=assoc["recovery_codes"][0])
    assert r.status_code == 200 and _no_store(r), r.text
    new_code = r.json()["recovery_code"]
    assert len(new_code) == 24 and new_code != assoc["recovery_codes"][0]
    mfa_token = api.mfa_token(client, user)
    r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=mfa_token, recovery_code=assoc["recovery_codes"][0])
    assert r.status_code == 403 and r.json()["error"] == "invalid_grant"
    r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=mfa_token, recovery_code=new_code.lower())
    assert r.status_code == 200, r.text


def test_oathtool_matches_the_server_secret_format(api):
    client = api.create_client()
    user = api.create_user()
    assoc = api.associate(api.mfa_token(client, user)).json()
    assert len(assoc["secret"]) == 32  # 160 bits of Base32, no padding (R6)
    assert oathtool_totp(assoc["secret"]).isdigit()
