"""Seed 004 (Auth0 "Enroll a New Authenticator for Use with Multifactor Authentication") step
by step with the seed's own requests, against a real server on SQLite and PostgreSQL:
1. an access token for `<issuer>mfa/` with `enroll read:authenticators remove:authenticators`
   (the password-realm request of the seed; the user is enrolled, so the token is earned with
   a second factor first: R35, R38);
2. /mfa/associate with that token, for "authenticators using SMS messages" and for "one-time
   passwords";
3. the enrollment confirmed with the authenticator, on /oauth/token, the access token given
   where a sign-in gives its mfa_token (services/enroll_confirm.py);
then the seed's "Manage the Authenticators" (list, delete) and "Require MFA with Login"."""
from __future__ import annotations

from urllib.parse import quote

import jwt

from ..support import MFA_OTP, MFA_RECOVERY, PASSWORD_REALM, db_rows, latest_code, new_phone, two_codes
from .test_mfa_oob import GRANTS, MFA_OOB, associate, challenge, listing, mfa_oob, sms_user

SCOPE = "enroll read:authenticators remove:authenticators"


def _step_1(api, client: dict, user: dict, second_factor) -> str:
    """The seed's request; an enrolled user gets mfa_required and answers `second_factor`."""
    secret = {"client_secret": client["client_secret"]} if client.get("client_secret") else {}
    r = api.http.post("/oauth/token", json={
        "client_id": client["client_id"], "realm": "Username-Password-Authentication", "grant_type": PASSWORD_REALM,
        "audience": api.issuer + "mfa/", "scope": SCOPE, "username": user["login"], "password": user["password"],
        **secret})
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text
    r = second_factor(r.json()["mfa_token"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0 and "id_token" not in body
    assert jwt.decode(body["access_token"], options={"verify_signature": False})["aud"] == api.issuer + "mfa/"
    return body["access_token"]


def test_seed_004_sms_added_to_an_authenticator_app(oob_server):
    api, server = oob_server.api(), oob_server
    client = api.create_client(GRANTS, method="none")  # the seed's client sends no secret
    user = api.enrolled_user(client)
    # The second factor of step 1: the recovery code (the app's next code is kept for the login below).
    access_token = _step_1(api, client, user, lambda mt: api.token(client, grant_type=MFA_RECOVERY, mfa_token=mt,
                                                                  recovery_code=user["recovery_code"]))

    # Step 2, SMS: a code is sent; no recovery code (not the first association).
    number = new_phone()
    r = associate(api, access_token, "sms", phone_number=number)
    assert r.status_code == 200, r.text
    made = r.json()
    assert set(made) == {"authenticator_type", "binding_method", "oob_channel", "oob_code"}
    code = latest_code(server, number)
    # The code was sent for the access token: a sign-in's mfa_token cannot answer it (R21).
    r = mfa_oob(api, client, api.mfa_token(client, user), made["oob_code"], code)
    assert (r.status_code, r.json()["error_description"]) == (403, "Invalid oob_code."), r.text

    # Step 3: confirm with the access token in place of the mfa_token.
    r = mfa_oob(api, client, access_token, made["oob_code"], code)
    assert r.status_code == 200, r.text
    confirmed = jwt.decode(r.json()["access_token"], options={"verify_signature": False})
    assert confirmed["aud"] == api.issuer + "mfa/" and set(confirmed["scope"].split()) == set(SCOPE.split())
    assert {"sms", "mfa"} <= set(confirmed["amr"]) and "refresh_token" not in r.json()
    # It confirms a pending enrollment only: it is no sign-in with an active factor.
    r = api.mfa_otp(client, access_token, user["next_code"])
    assert r.json() == {"error": "invalid_request", "error_description": "No authenticator awaits confirmation: "
                        "associate one with this token first."} and r.status_code == 400, r.text

    # Manage the authenticators: list, delete.
    listed = listing(api, access_token)
    assert sorted((a["type"], a["active"]) for a in listed) == [("otp", True), ("phone", True),
                                                               ("recovery-code", True)]
    (sms_id,) = [a["id"] for a in listed if a["type"] == "phone"]
    r = api.http.delete(f"/mfa/authenticators/{quote(sms_id, safe='')}",
                        headers={"Authorization": f"Bearer {access_token}"})
    assert r.status_code == 204, r.text
    assert sorted(a["type"] for a in listing(api, access_token)) == ["otp", "recovery-code"]

    # Require MFA with login: get the challenge, post the response.
    r = api.password_login(client, user)
    assert r.status_code == 403 and r.json()["mfa_requirements"]["challenge"][0] == {"type": "otp"}, r.text
    mfa_token = r.json()["mfa_token"]
    r = api.http.post("/mfa/challenge", json={"client_id": client["client_id"], "mfa_token": mfa_token,
                                              "challenge_type": "otp"})
    assert r.status_code == 200 and r.json() == {"challenge_type": "otp"}, r.text
    assert api.mfa_otp(client, mfa_token, user["next_code"]).status_code == 200


def test_seed_004_authenticator_app_added_to_sms(oob_server):
    api, server = oob_server.api(), oob_server
    client = api.create_client(GRANTS)
    user = sms_user(server, api, client)

    def by_sms(mfa_token):
        sent = challenge(api, client, mfa_token, challenge_type="oob").json()
        return mfa_oob(api, client, mfa_token, sent["oob_code"], latest_code(server, user["number"]))

    access_token = _step_1(api, client, user, by_sms)
    r = api.associate(access_token)  # step 2, one-time passwords
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"authenticator_type", "secret", "barcode_uri"}
    first, second = two_codes(r.json()["secret"])
    # Step 3 refuses another client's token (R45); then the seed's confirmation.
    r = api.mfa_otp(api.create_client(GRANTS), access_token, first)
    assert (r.status_code, r.json()["error_description"]) == (403, "Malformed mfa_token"), r.text
    r = api.token(client, grant_type=MFA_OTP, mfa_token=access_token, otp=first)
    assert r.status_code == 200, r.text
    assert {"otp", "mfa"} <= set(jwt.decode(r.json()["access_token"], options={"verify_signature": False})["amr"])
    assert sorted((a["type"], a["active"]) for a in listing(api, access_token)) == [
        ("otp", True), ("phone", True), ("recovery-code", True)]
    # The app now signs the user in.
    r = api.mfa_otp(client, api.mfa_token(client, user), second)
    assert r.status_code == 200, r.text


def test_a_confirmation_token_needs_the_enroll_scope(oob_server):
    api, server = oob_server.api(), oob_server
    client = api.create_client(GRANTS)
    user = sms_user(server, api, client)
    body = api.password_login(client, user, audience=api.issuer + "mfa/", scope="read:authenticators").json()
    sent = challenge(api, client, body["mfa_token"], challenge_type="oob").json()
    r = mfa_oob(api, client, body["mfa_token"], sent["oob_code"], latest_code(server, user["number"]))
    reader = r.json()["access_token"]
    r = api.token(client, grant_type=MFA_OOB, mfa_token=reader, oob_code="x" * 43, binding_code="123456")
    assert (r.status_code, r.json()["error"]) == (403, "insufficient_scope"), r.text


def test_an_access_tokens_code_expires(oob_server):
    """R20 on step 3 (the expiry moved into the past in the database: the server's clock is real)."""
    api, server = oob_server.api(), oob_server
    client = api.create_client(GRANTS)
    user = api.enrolled_user(client)
    access_token = _step_1(api, client, user, lambda mt: api.mfa_otp(client, mt, user["next_code"]))
    number = new_phone()
    made = associate(api, access_token, "sms", phone_number=number).json()
    db_rows(server, f"UPDATE oob_challenges SET expires_at = 1 WHERE user_id = '{user['id']}'")
    r = mfa_oob(api, client, access_token, made["oob_code"], latest_code(server, number))
    assert (r.status_code, r.json()) == (403, {"error": "expired_token", "error_description": "oob_code is expired"})
