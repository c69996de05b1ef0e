"""The admin plane's authenticators and enrollment policy over HTTP (Okta's Authenticators
and Policies APIs), and their effect on enrollment in both dialects: a deactivated or
NOT_ALLOWED authenticator cannot be enrolled, is not offered in `mfa_requirements`, and can
only be deactivated once no policy enables it (Okta E0000148)."""
from __future__ import annotations

import re
import secrets
import time

import pytest

from ..support import (
    authenticators_by_key, db_rows, default_enroll_policy, oathtool_totp, okta_error, put_enroll_modes, two_codes,
)

TOTP = "token:software:totp"


@pytest.fixture
def org(api):
    """Org-wide state is shared by the session's server: put it back after each test, and
    fail if it cannot be put back."""
    before_policy = default_enroll_policy(api)
    before = authenticators_by_key(api)
    yield
    for key, a in authenticators_by_key(api).items():
        if key in before and a["status"] == "INACTIVE" and before[key]["status"] == "ACTIVE":
            r = api.http.post(f"/api/v1/authenticators/{a['id']}/lifecycle/activate", headers=api.ssws)
            assert r.status_code == 200, r.text
        if key in before and a.get("settings") != before[key].get("settings"):
            r = api.http.put(f"/api/v1/authenticators/{a['id']}", headers=api.ssws,
                             json={"name": a["name"], "settings": before[key].get("settings") or {}})
            assert r.status_code == 200, r.text
    body = {"name": before_policy["name"], "type": "MFA_ENROLL", "settings": before_policy["settings"]}
    assert api.http.put(f"/api/v1/policies/{before_policy['id']}", headers=api.ssws, json=body).status_code == 200
    for key, a in authenticators_by_key(api).items():
        if key in before and before[key]["status"] == "INACTIVE" and a["status"] == "ACTIVE":
            r = api.http.post(f"/api/v1/authenticators/{a['id']}/lifecycle/deactivate", headers=api.ssws)
            assert r.status_code == 200, r.text
    after = authenticators_by_key(api)
    assert {k: (a["status"], a.get("settings")) for k, a in after.items() if k in before} == \
        {k: (a["status"], a.get("settings")) for k, a in before.items()}
    modes = {e["key"]: e["enroll"]["self"] for e in default_enroll_policy(api)["settings"]["authenticators"]}
    was = {e["key"]: e["enroll"]["self"] for e in before_policy["settings"]["authenticators"]}
    # An authenticator added by a test stays (Okta has no DELETE), disabled in the policy.
    assert modes == {**{k: "NOT_ALLOWED" for k in modes if k not in was}, **was}


def test_the_org_starts_with_what_twofold_can_enroll(api, org):
    found = authenticators_by_key(api)
    assert {"okta_password", "google_otp", "okta_verify", "security_question"} <= set(found)
    google = found["google_otp"]
    assert google["type"] == "app" and google["status"] == "ACTIVE" and google["id"].startswith("aut")
    assert google["settings"] == {"algorithm": "SHA1", "digits": 6, "period": 30}
    assert google["_links"]["deactivate"]["hints"]["allow"] == ["POST"]
    assert google["_links"]["self"]["href"].endswith(f"/api/v1/authenticators/{google['id']}")
    password = found["okta_password"]
    assert password["type"] == "password" and "deactivate" not in password["_links"]
    r = api.http.get(f"/api/v1/authenticators/{google['id']}", headers=api.ssws)
    assert r.status_code == 200 and r.json() == google
    okta_error(api.http.get("/api/v1/authenticators/autNOPE", headers=api.ssws), 404, "E0000007")

    policy = default_enroll_policy(api)
    assert policy["type"] == "MFA_ENROLL" and policy["name"] == "Default Policy" and policy["status"] == "ACTIVE"
    modes = {e["key"]: e["enroll"]["self"] for e in policy["settings"]["authenticators"]}
    assert modes["okta_password"] == "REQUIRED" and modes["google_otp"] == "OPTIONAL"
    assert policy["_links"]["self"]["hints"]["allow"] == ["GET", "PUT"]
    okta_error(api.http.get("/api/v1/policies", headers=api.ssws), 400, "E0000001")  # type is required


def test_phone_and_email_start_active_and_optional_and_each_key_is_added_once(api, org):
    """Seed 000's Add authenticator, on an org that has every catalogue authenticator from the
    start: Phone and Email are ACTIVE and Optional in the Default Policy (as Okta seeds Email);
    adding a key again is refused; Disabled then Optional in the Default Policy is the path an
    administrator takes to turn one off and on."""
    found = authenticators_by_key(api)
    email, phone = found["okta_email"], found["phone_number"]
    assert email["type"] == "email" and email["status"] == "ACTIVE"
    assert email["settings"] == {"allowedFor": "any", "tokenLifetimeInMinutes": 5}
    assert phone["type"] == "phone" and phone["status"] == "ACTIVE" and phone["settings"] == {"allowedFor": "any"}
    for key in ("okta_email", "phone_number"):
        r = api.http.post("/api/v1/authenticators", headers=api.ssws, json={"key": key, "name": "Again"})
        body = okta_error(r, 400, "E0000001", "Api validation failed: authenticator")  # one per key
        assert body["errorCauses"] == [{"errorSummary": f"key: An authenticator with key {key} already exists."}]
    assert authenticators_by_key(api)["okta_email"] == email  # the refusal changed nothing
    okta_error(api.http.post("/api/v1/authenticators", headers=api.ssws, json={"key": "nope"}), 400, "E0000001")

    policy = default_enroll_policy(api)
    modes = {e["key"]: e["enroll"]["self"] for e in policy["settings"]["authenticators"]}
    assert modes["okta_email"] == "OPTIONAL" and modes["phone_number"] == "OPTIONAL"
    r = put_enroll_modes(api, policy, okta_email="NOT_ALLOWED")
    assert r.status_code == 200, r.text
    modes = {e["key"]: e["enroll"]["self"] for e in r.json()["settings"]["authenticators"]}
    assert modes["okta_email"] == "NOT_ALLOWED"  # Disabled in the console
    r = put_enroll_modes(api, policy, okta_email="OPTIONAL")
    assert r.status_code == 200, r.text
    modes = {e["key"]: e["enroll"]["self"] for e in r.json()["settings"]["authenticators"]}
    assert modes["okta_email"] == "OPTIONAL"
    okta_error(put_enroll_modes(api, policy, okta_email="SOMETIMES"), 400, "E0000001")
    okta_error(put_enroll_modes(api, policy, no_such_key="OPTIONAL"), 400, "E0000001")


def test_disable_google_otp_refuses_its_enrollment_in_both_dialects(api, org):
    google = authenticators_by_key(api)["google_otp"]
    policy = default_enroll_policy(api)
    deactivate = f"/api/v1/authenticators/{google['id']}/lifecycle/deactivate"
    body = okta_error(api.http.post(deactivate, headers=api.ssws), 403, "E0000148")
    assert any("Default Policy" in c["errorSummary"] for c in body["errorCauses"])

    # Phone and Email Disabled too: then nothing Auth0 can enroll is allowed.
    assert put_enroll_modes(api, policy, google_otp="NOT_ALLOWED", phone_number="NOT_ALLOWED",
                            okta_email="NOT_ALLOWED").status_code == 200
    policy = default_enroll_policy(api)
    user = api.create_user()
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": TOTP, "provider": "GOOGLE"})
    body = okta_error(r, 400, "E0000001")
    assert "google_otp" in body["errorCauses"][0]["errorSummary"]
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": TOTP, "provider": "OKTA"})
    assert r.status_code == 200, r.text  # Okta Verify's TOTP is another authenticator

    client = api.create_client()
    other = api.create_user()
    r = api.password_login(client, other)
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text
    assert r.json()["mfa_requirements"] == {"enroll": [{"type": "phone"}, {"type": "email"}]}  # no app
    r = api.associate(r.json()["mfa_token"])
    assert r.status_code == 403 and r.json()["error"] == "access_denied", r.text

    r = api.http.post(deactivate, headers=api.ssws)  # no policy enables it now
    assert r.status_code == 200 and r.json()["status"] == "INACTIVE" and "activate" in r.json()["_links"]
    okta_error(put_enroll_modes(api, policy, google_otp="OPTIONAL"), 400, "E0000001")  # inactive
    r = api.http.post(f"/api/v1/authenticators/{google['id']}/lifecycle/activate", headers=api.ssws)
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE"
    assert put_enroll_modes(api, policy, google_otp="OPTIONAL").status_code == 200
    r = api.password_login(client, other)
    assert r.json()["mfa_requirements"] == {"enroll": [{"type": "otp"}, {"type": "phone"}, {"type": "email"}]}
    assert api.associate(r.json()["mfa_token"]).status_code == 200


def test_google_otp_settings_apply_to_new_enrollments(api, org):
    """PUT settings (digits, period, algorithm): a new enrollment follows them, checked with
    oathtool; existing factors keep theirs."""
    google = authenticators_by_key(api)["google_otp"]
    r = api.http.put(f"/api/v1/authenticators/{google['id']}", headers=api.ssws,
                     json={"name": "Google Authenticator", "settings": {"digits": 8, "period": 60, "algorithm": "SHA256"}})
    assert r.status_code == 200, r.text
    assert r.json()["settings"] == {"algorithm": "SHA256", "digits": 8, "period": 60}
    okta_error(api.http.put(f"/api/v1/authenticators/{google['id']}", headers=api.ssws,
                             json={"name": "G", "settings": {"digits": 7}}), 400, "E0000001")
    okta_error(api.http.put(f"/api/v1/authenticators/{google['id']}", headers=api.ssws,
                             json={"settings": {}}), 400, "E0000001")  # name is required

    user = api.create_user()
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": TOTP, "provider": "GOOGLE"})
    assert r.status_code == 200, r.text
    factor = r.json()
    activation = factor["_embedded"]["activation"]
    assert activation["timeStep"] == 60
    now = time.time()
    at = now if now % 60 < 50 else now + 60
    code = oathtool_totp(activation["sharedSecret"], at, digits=8, period=60, algorithm="SHA256")
    assert len(code) == 8
    r = api.http.post(factor["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": code})
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text


def test_policies_priority_and_the_default_policy(api, org):
    google = "google_otp"
    r = api.http.post("/api/v1/policies", headers=api.ssws, json={
        "type": "MFA_ENROLL", "name": "No Google", "priority": 1,
        "settings": {"type": "AUTHENTICATORS", "authenticators": [
            {"key": "okta_password", "enroll": {"self": "REQUIRED"}}, {"key": google, "enroll": {"self": "NOT_ALLOWED"}}]}})
    assert r.status_code == 200, r.text
    policy = r.json()
    assert policy["system"] is False and "DELETE" in policy["_links"]["self"]["hints"]["allow"]
    try:
        user = api.create_user()
        r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                          json={"factorType": TOTP, "provider": "GOOGLE"})
        okta_error(r, 400, "E0000001")  # the first policy by priority is in force
    finally:
        assert api.http.delete(f"/api/v1/policies/{policy['id']}", headers=api.ssws).status_code == 204
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": TOTP, "provider": "GOOGLE"})
    assert r.status_code == 200, r.text
    default = default_enroll_policy(api)
    okta_error(api.http.delete(f"/api/v1/policies/{default['id']}", headers=api.ssws), 400, "E0000001")
    okta_error(api.http.get(f"/api/v1/policies/{policy['id']}", headers=api.ssws), 404, "E0000007")


def test_a_required_authenticator_is_enrolled_before_any_token(api, org):
    """Seed 000's Required: a user who has Okta Verify but not Google Authenticator proves
    Okta Verify, is then asked to enroll Google Authenticator (a new mfa_token, no tokens),
    enrolls it with that mfa_token, and only its first code brings the tokens. The next sign-in
    is an ordinary challenge."""
    assert put_enroll_modes(api, default_enroll_policy(api), google_otp="REQUIRED").status_code == 200
    client = api.create_client()
    user = api.create_user()
    f = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": TOTP, "provider": "OKTA"}).json()
    verify_first, verify_second = two_codes(f["_embedded"]["activation"]["sharedSecret"])
    assert api.http.post(f["_links"]["activate"]["href"], headers=api.ssws,
                         json={"passCode": verify_first}).status_code == 200

    r = api.password_login(client, user)
    assert r.status_code == 403 and r.json()["mfa_requirements"] == {"challenge": [{"type": "otp"}]}, r.text
    r = api.mfa_otp(client, r.json()["mfa_token"], verify_second)
    assert r.status_code == 403, r.text
    body = r.json()
    assert body["error"] == "mfa_required" and body["mfa_requirements"] == {"enroll": [{"type": "otp"}]}
    assert "access_token" not in body
    enrol_token = body["mfa_token"]

    assoc = api.associate(enrol_token)  # allowed: this transaction already proved a second factor
    assert assoc.status_code == 200, assoc.text
    google_first, google_second = two_codes(assoc.json()["secret"])
    r = api.mfa_otp(client, enrol_token, google_first)
    assert r.status_code == 200 and "access_token" in r.json(), r.text

    r = api.password_login(client, user)
    assert r.status_code == 403 and "challenge" in r.json()["mfa_requirements"]
    r = api.mfa_otp(client, r.json()["mfa_token"], google_second)
    assert r.status_code == 200 and "access_token" in r.json(), r.text

    # An mfa_token from the password step alone still cannot add an authenticator (R35).
    r = api.password_login(client, user)
    assert api.associate(r.json()["mfa_token"]).status_code == 403


def test_a_factor_of_a_disallowed_authenticator_stays_enrolled_but_cannot_be_used(api, org):
    """Okta's documented behaviour: disabling an authenticator in the enrollment policy keeps
    users' enrollments but removes their use; allowing it again brings them back."""
    client = api.create_client()
    user = api.enrolled_user(client)  # Google Authenticator through Auth0
    factors = api.http.get(f"/api/v1/users/{user['id']}/factors", headers=api.ssws).json()
    google = next(f for f in factors if f["provider"] == "GOOGLE")
    policy = default_enroll_policy(api)
    assert put_enroll_modes(api, policy, google_otp="NOT_ALLOWED").status_code == 200

    r = api.http.post(f"/api/v1/users/{user['id']}/factors/{google['id']}/verify", headers=api.ssws,
                      json={"passCode": user["next_code"]})
    okta_error(r, 400, "E0000001")  # not usable: refused, and the code is not spent
    r = api.password_login(client, user)
    # Still enrolled (R35): its recovery code, the way back in without a device, is what is asked.
    assert r.status_code == 403 and r.json()["mfa_requirements"] == {"challenge": [{"type": "recovery-code"}]}
    listed = api.http.get(f"/api/v1/users/{user['id']}/factors", headers=api.ssws).json()
    assert any(f["id"] == google["id"] and f["status"] == "ACTIVE" for f in listed)  # still enrolled

    assert put_enroll_modes(api, policy, google_otp="OPTIONAL").status_code == 200
    r = api.http.post(f"/api/v1/users/{user['id']}/factors/{google['id']}/verify", headers=api.ssws,
                      json={"passCode": user["next_code"]})
    assert r.status_code == 200 and r.json() == {"factorResult": "SUCCESS"}, r.text


def test_activating_an_active_authenticator_answers_it_unchanged(api):
    google = authenticators_by_key(api)["google_otp"]
    r = api.http.post(f"/api/v1/authenticators/{google['id']}/lifecycle/activate", headers=api.ssws)
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE" and r.json()["id"] == google["id"], r.text


def test_authenticator_and_policy_refusals_name_okta_members(api, org):
    """Each refusal's errorCauses in Okta's member names (the services name their fields
    neutrally; the adapter names them as Okta's body does). Every body is refused, so the
    org's state is left as it was."""
    def causes(r, what):
        return [c["errorSummary"] for c in okta_error(r, 400, "E0000001", f"Api validation failed: {what}")[
            "errorCauses"]]

    google = authenticators_by_key(api)["google_otp"]
    put = api.http.put(f"/api/v1/authenticators/{google['id']}", headers=api.ssws,
                       json={"name": "G", "settings": {"digits": 7, "period": 5, "algorithm": "MD5",
                                                       "allowedFor": "nothing"}})
    assert causes(put, "authenticator") == [
        "settings.allowedFor: Must be one of recovery, sso, any, none.",
        "settings.algorithm: Must be one of SHA1, SHA256, SHA512.",
        "settings.digits: Must be 6 or 8.", "settings.period: Must be a whole number of seconds from 15 to 120."]
    put = api.http.put(f"/api/v1/authenticators/{google['id']}", headers=api.ssws, json={"name": "G", "settings": 1})
    assert causes(put, "authenticator") == ["settings: Must be an object."]
    post = api.http.post("/api/v1/authenticators", headers=api.ssws, json={"key": "yubikey_token"})
    assert causes(post, "authenticator") == ["key: Unsupported authenticator key 'yubikey_token'."]

    policy = default_enroll_policy(api)

    def put_policy(**body):
        return causes(api.http.put(f"/api/v1/policies/{policy['id']}", headers=api.ssws,
                                   json={"name": policy["name"], **body}), "policy")

    assert put_policy(type="ACCESS_POLICY") == ["type: Only MFA_ENROLL policies are managed here."]
    assert put_policy(settings={"type": "LEGACY"}) == [
        "settings: Only the AUTHENTICATORS form (settings.type AUTHENTICATORS, settings.authenticators) is "
        "supported."]
    assert put_policy(settings={"authenticators": ["x"]}) == [
        "settings.authenticators: Each entry must be an object with key and enroll."]
    assert put_policy(settings={"authenticators": [{"key": "google_otp", "enroll": "x"}]}) == [
        "settings.authenticators.enroll: Must be an object."]
    entries = [{"key": "nope", "enroll": {"self": "OPTIONAL"}}, {"key": "google_otp", "enroll": {"self": "SOMETIMES"}},
               {"key": "okta_password", "enroll": {"self": "REQUIRED"}},
               {"key": "okta_password", "enroll": {"self": "REQUIRED"}}]
    assert put_policy(settings={"authenticators": entries}) == [
        "settings.authenticators: Unknown authenticator key 'nope'.",
        "settings.authenticators: enroll.self of google_otp must be one of NOT_ALLOWED, OPTIONAL, REQUIRED.",
        "settings.authenticators: okta_password is listed twice."]
    assert put_policy(name="", settings={"authenticators": []}) == ["name: The field cannot be left blank"]


# --- Phone's methods and Email's use (issue #12) -------------------------------------------------

def _methods(api, authenticator: dict) -> dict[str, str]:
    r = api.http.get(f"/api/v1/authenticators/{authenticator['id']}/methods", headers=api.ssws)
    assert r.status_code == 200, r.text
    return {m["type"]: m["status"] for m in r.json()}


def _enroll(api, user: dict, factor_type: str, profile: dict):
    return api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                         json={"factorType": factor_type, "provider": "OKTA", "profile": profile})


def _number() -> str:
    return f"+1650555{secrets.randbelow(8000) + 2000}"


def test_a_phone_method_turned_off_refuses_its_factors(api, org):
    """Okta's authenticator methods: Phone's voice off refuses a call factor in Okta's words
    while SMS enrolls; the last method stays on; other authenticators' methods have no
    lifecycle of their own."""
    keys = authenticators_by_key(api)
    phone, google = keys["phone_number"], keys["google_otp"]
    base = f"/api/v1/authenticators/{phone['id']}/methods"
    assert _methods(api, phone) == {"sms": "ACTIVE", "voice": "ACTIVE"}
    assert _methods(api, google) == {"otp": "ACTIVE"}
    r = api.http.get(base + "/voice", headers=api.ssws)
    assert r.status_code == 200 and r.json()["_links"]["deactivate"]["hints"]["allow"] == ["POST"], r.text
    okta_error(api.http.get(base + "/push", headers=api.ssws), 404, "E0000007")
    user = api.create_user()
    try:
        r = api.http.post(base + "/voice/lifecycle/deactivate", headers=api.ssws)
        assert r.status_code == 200 and r.json()["status"] == "INACTIVE" and "activate" in r.json()["_links"], r.text
        assert authenticators_by_key(api)["phone_number"]["settings"] == {"allowedFor": "any"}  # Okta's shape
        body = okta_error(_enroll(api, user, "call", {"phoneNumber": _number()}), 400, "E0000001")
        assert body["errorCauses"] == [
            {"errorSummary": "The voice channel of the phone_number authenticator is turned off."}]
        assert _enroll(api, user, "sms", {"phoneNumber": _number()}).status_code == 200
        body = okta_error(api.http.post(base + "/sms/lifecycle/deactivate", headers=api.ssws), 400, "E0000001")
        assert "settings.channels" in body["errorCauses"][0]["errorSummary"]  # the last method stays on
        okta_error(api.http.post(f"/api/v1/authenticators/{google['id']}/methods/otp/lifecycle/deactivate",
                                 headers=api.ssws), 400, "E0000001")
        okta_error(api.http.post(base + "/voice/lifecycle/pause", headers=api.ssws), 404, "E0000007")
    finally:
        r = api.http.post(base + "/voice/lifecycle/activate", headers=api.ssws)
        assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
    assert _methods(api, phone) == {"sms": "ACTIVE", "voice": "ACTIVE"}
    assert _enroll(api, user, "call", {"phoneNumber": _number()}).status_code == 200


def test_email_allowed_for_recovery_only_is_no_sign_in_factor_in_either_dialect(api, server, org):
    """R26: an administrator keeps Email out of sign-in (Okta's allowedFor recovery); a user's
    active email factor is then refused by Okta's verify and not asked for by Auth0's password
    grant (the user has no usable factor), until Email is allowed for any use again."""
    client = api.create_client()
    user = api.create_user()
    address = f"mail-{secrets.token_hex(4)}@example.com"
    r = _enroll(api, user, "email", {"email": address})
    assert r.status_code == 200 and r.json()["status"] == "PENDING_ACTIVATION", r.text
    factor = r.json()
    # The message as the development outbox keeps it (psql splits its lines into rows).
    text = " ".join(" ".join(row) for row in db_rows(server, "SELECT body FROM outbox_messages "
                                                             f"WHERE recipient = '{address}'"))
    code = re.search(r"code is (\d{6})", text).group(1)
    r = api.http.post(factor["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": code})
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
    r = api.password_login(client, user)
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text  # email is a second factor

    email = authenticators_by_key(api)["okta_email"]
    r = api.http.put(f"/api/v1/authenticators/{email['id']}", headers=api.ssws,
                     json={"name": email["name"], "settings": {"allowedFor": "recovery"}})
    assert r.status_code == 200 and r.json()["settings"] == {"allowedFor": "recovery", "tokenLifetimeInMinutes": 5}
    r = api.http.post(f"/api/v1/users/{user['id']}/factors/{factor['id']}/verify", headers=api.ssws,
                      json={"passCode": "123456"})
    okta_error(r, 400, "E0000001")  # not usable: refused before any code is judged
    r = api.password_login(client, user)
    assert r.status_code == 403 and r.json()["error"] != "mfa_required", r.text  # nothing it can ask for
    listed = api.http.get(f"/api/v1/users/{user['id']}/factors", headers=api.ssws).json()
    assert [f["status"] for f in listed if f["id"] == factor["id"]] == ["ACTIVE"]  # still enrolled

    r = api.http.put(f"/api/v1/authenticators/{email['id']}", headers=api.ssws,
                     json={"name": email["name"], "settings": {"allowedFor": "any"}})
    assert r.status_code == 200, r.text
    r = api.password_login(client, user)
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text
