"""Security › Authenticators in the Admin Console, as seed 000 walks it: Add authenticator (on
an org that has them all: the catalogue says so, and an Add dialog of a key the org has is
refused), the Enrollment tab's Eligible authenticators of the Default Policy (Edit, Optional /
Required / Disabled, Update Policy), the refusal to deactivate an authenticator a policy
enables, and Google Authenticator's settings. Each effect is proved through the HTTP APIs
(Okta management, Okta factors, Auth0 /mfa/associate).

All tests of one backend share one server: each puts the org's state back in `finally`."""
from __future__ import annotations

import time

from .conftest import tab_to
from ..support import authenticators_by_key, default_enroll_policy, oathtool_totp, okta_error, put_enroll_modes

TOTP = "token:software:totp"
AUTHENTICATORS = "/admin/security/authenticators"
ENROLLMENT = AUTHENTICATORS + "/enrollment"


# --- the API side ----------------------------------------------------------------------------

def _put_mode(api, key: str, mode: str) -> None:
    """Restores one authenticator's enroll.self in the Default Policy through the API."""
    r = put_enroll_modes(api, default_enroll_policy(api), **{key: mode})
    assert r.status_code == 200, r.text


def _modes(api) -> dict[str, str]:
    return {e["key"]: e["enroll"]["self"] for e in default_enroll_policy(api)["settings"]["authenticators"]}


def _enroll_google(api, user: dict):
    return api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                         json={"factorType": TOTP, "provider": "GOOGLE"})


def _code(secret: str, digits: int) -> str:
    """A code for now, early enough in its 30 s step that the server agrees."""
    now = time.time()
    return oathtool_totp(secret, now + 30 if now % 30 > 25 else now, digits=digits)


# --- the console side ------------------------------------------------------------------------

def _eligible(page, authenticator: str):
    """The Default Policy's Eligible authenticators row of one authenticator."""
    section = page.get_by_role("region", name="Default Policy")
    return section.get_by_role("row").filter(has=page.get_by_role("cell", name=authenticator, exact=True))


def _update_default_policy(page, shots, changes: dict[str, str], shot: str) -> None:
    """Enrollment tab › Edit (Default Policy) › a choice per authenticator › Update Policy."""
    page.goto(page.base + ENROLLMENT)
    page.get_by_role("link", name="Edit Default Policy").click()
    dialog = page.get_by_role("dialog", name="Edit Default Policy")
    for name, choice in changes.items():
        dialog.get_by_label(name, exact=True).select_option(label=choice)
    shots(page, shot)
    dialog.get_by_role("button", name="Update Policy").click()
    page.get_by_role("status").get_by_text("Policy updated.").wait_for()
    for name, choice in changes.items():
        _eligible(page, name).get_by_text(choice, exact=True).wait_for()


def test_every_authenticator_is_added_and_phone_is_set_disabled_then_optional(console, console_server, shots):
    """Seed 000 on an org that has every catalogue authenticator from the start (Phone and
    Email ACTIVE and Optional): Add authenticator says so, the Add dialog of a key the org has
    refuses it in the API's words and changes nothing; Enrollment › Edit › Disabled / Optional
    › Update Policy turns Phone off and on in the Default Policy."""
    api = console_server.api()
    before = authenticators_by_key(api)
    assert before["phone_number"]["status"] == "ACTIVE" and before["okta_email"]["status"] == "ACTIVE"
    console.goto(console.base + AUTHENTICATORS)
    console.get_by_role("heading", name="Authenticators", exact=True).wait_for()
    shots(console, "setup")
    console.get_by_role("link", name="Add authenticator").click()
    console.get_by_role("heading", name="Add authenticator").wait_for()
    console.get_by_text("All authenticators are already added.").wait_for()
    shots(console, "add-catalogue")
    assert console.get_by_role("link", name="Add Phone", exact=True).count() == 0

    console.goto(console.base + AUTHENTICATORS + "/add/phone_number")  # a dialog left open elsewhere
    dialog = console.get_by_role("dialog", name="Add Phone")
    dialog.wait_for()
    shots(console, "add-dialog")
    dialog.get_by_role("button", name="Add", exact=True).click()
    dialog.get_by_role("alert").get_by_text("An authenticator with key phone_number already exists.").wait_for()
    shots(console, "add-refused")
    assert authenticators_by_key(api) == before

    try:
        console.goto(console.base + AUTHENTICATORS)
        console.get_by_role("link", name="Enrollment", exact=True).click()
        console.get_by_role("heading", name="Eligible authenticators").first.wait_for()
        _eligible(console, "Phone").get_by_text("Optional", exact=True).wait_for()
        assert _modes(api)["phone_number"] == "OPTIONAL"
        _update_default_policy(console, shots, {"Phone": "Disabled"}, "edit-policy-disabled")
        shots(console, "enrollment-disabled")
        assert _modes(api)["phone_number"] == "NOT_ALLOWED"
        _update_default_policy(console, shots, {"Phone": "Optional"}, "edit-policy-optional")
        shots(console, "enrollment-optional")
        assert _modes(api)["phone_number"] == "OPTIONAL"
    finally:
        if _modes(api)["phone_number"] != "OPTIONAL":
            _put_mode(api, "phone_number", "OPTIONAL")


def test_disabling_google_authenticator_refuses_its_enrollment_until_it_is_optional_again(
        console, console_server, shots):
    api = console_server.api()
    client = api.create_client()
    try:  # Phone and Email Disabled too: then nothing Auth0 can enroll is allowed
        _update_default_policy(console, shots, {"Google Authenticator": "Disabled", "Phone": "Disabled",
                                                "Email": "Disabled"}, "edit-policy-disable-google")
        shots(console, "google-disabled")
        assert _modes(api)["google_otp"] == "NOT_ALLOWED"
        user = api.create_user()
        body = okta_error(_enroll_google(api, user), 400, "E0000001")  # Okta: enrollment refused
        assert "google_otp" in body["errorCauses"][0]["errorSummary"]
        r = api.password_login(client, api.create_user())
        assert r.status_code == 403 and r.json()["mfa_requirements"] == {"enroll": []}, r.text
        r = api.associate(r.json()["mfa_token"])  # Auth0: nothing it can enroll is allowed
        assert r.status_code == 403 and r.json()["error"] == "access_denied", r.text

        _update_default_policy(console, shots, {"Google Authenticator": "Optional"}, "edit-policy-google-optional")
        assert _modes(api)["google_otp"] == "OPTIONAL"
        r = _enroll_google(api, user)
        assert r.status_code == 200 and r.json()["status"] == "PENDING_ACTIVATION", r.text
        r = api.password_login(client, api.create_user())
        assert r.json()["mfa_requirements"] == {"enroll": [{"type": "otp"}]}, r.text
        r = api.associate(r.json()["mfa_token"])
        assert r.status_code == 200 and r.json()["authenticator_type"] == "otp", r.text
    finally:
        for key in ("google_otp", "phone_number", "okta_email"):
            if _modes(api)[key] != "OPTIONAL":
                _put_mode(api, key, "OPTIONAL")


def test_deactivation_is_refused_while_a_policy_enables_it_and_allowed_once_none_does(console, console_server, shots):
    api = console_server.api()
    console.on("dialog", lambda d: d.accept())  # console.js asks before a deactivation
    console.goto(console.base + AUTHENTICATORS)
    console.get_by_role("button", name="Deactivate Google Authenticator").click()
    alert = console.get_by_role("alert")
    alert.get_by_text("This authenticator is enabled in one or more enrollment policies.").wait_for()
    alert.get_by_text("Authenticator Enrollment Policies: Default Policy").wait_for()
    shots(console, "deactivate-refused")
    assert authenticators_by_key(api)["google_otp"]["status"] == "ACTIVE"
    assert _modes(api)["google_otp"] == "OPTIONAL"

    # Phone Disabled in every policy: it can be deactivated, then only be Disabled.
    _put_mode(api, "phone_number", "NOT_ALLOWED")
    try:
        console.goto(console.base + AUTHENTICATORS)
        console.get_by_role("button", name="Deactivate Phone").click()
        console.get_by_role("status").get_by_text("Authenticator deactivated.").wait_for()
        console.get_by_role("row").filter(has_text="phone_number").get_by_text("Inactive", exact=True).wait_for()
        shots(console, "phone-deactivated")
        assert authenticators_by_key(api)["phone_number"]["status"] == "INACTIVE"
        console.goto(console.base + ENROLLMENT)
        console.get_by_role("link", name="Edit Default Policy").click()
        phone = console.get_by_label("Phone", exact=True)
        assert phone.locator("option").all_inner_texts() == ["Disabled"]
        console.get_by_text("Phone is inactive, so it can only be Disabled.").wait_for()
        shots(console, "edit-policy-inactive-phone")
        console.get_by_role("link", name="Cancel").click()
        console.get_by_role("link", name="Setup", exact=True).click()
        console.get_by_role("button", name="Activate Phone").click()
        console.get_by_role("status").get_by_text("Authenticator activated.").wait_for()
        phone_id = authenticators_by_key(api)["phone_number"]["id"]
        assert authenticators_by_key(api)["phone_number"]["status"] == "ACTIVE"

        # A form shown before Phone was deactivated elsewhere: the save is refused, the dialog
        # says why, keeps the administrator's choices, and nothing changes.
        console.goto(console.base + ENROLLMENT)
        console.get_by_role("link", name="Edit Default Policy").click()
        dialog = console.get_by_role("dialog", name="Edit Default Policy")
        dialog.get_by_label("Okta Verify", exact=True).select_option(label="Required")
        dialog.get_by_label("Phone", exact=True).select_option(label="Optional")
        r = api.http.post(f"/api/v1/authenticators/{phone_id}/lifecycle/deactivate", headers=api.ssws)
        assert r.status_code == 200, r.text
        dialog.get_by_role("button", name="Update Policy").click()
        refusal = dialog.get_by_role("alert")
        refusal.get_by_text("Some fields need attention.").wait_for()
        refusal.get_by_text("Phone is not active.").wait_for()
        assert dialog.get_by_label("Okta Verify", exact=True).input_value() == "REQUIRED"
        shots(console, "edit-policy-refused")
        modes = _modes(api)  # the Policies API lists active authenticators only
        assert modes["okta_verify"] == "OPTIONAL" and modes.get("phone_number", "NOT_ALLOWED") == "NOT_ALLOWED"
    finally:
        phone = authenticators_by_key(api)["phone_number"]
        if phone["status"] != "ACTIVE":
            r = api.http.post(f"/api/v1/authenticators/{phone['id']}/lifecycle/activate", headers=api.ssws)
            assert r.status_code == 200, r.text
        _put_mode(api, "phone_number", "OPTIONAL")


def test_google_authenticator_settings_apply_to_new_enrollments(console, console_server, shots):
    api = console_server.api()
    google = authenticators_by_key(api)["google_otp"]
    assert google["settings"] == {"algorithm": "SHA1", "digits": 6, "period": 30}
    try:
        console.goto(console.base + AUTHENTICATORS)
        console.get_by_role("link", name="Edit Google Authenticator").click()
        console.get_by_role("heading", name="Edit Google Authenticator").wait_for()
        shots(console, "google-settings")
        console.get_by_label("Time step (seconds)").fill("0")
        console.get_by_role("button", name="Save").click()
        alert = console.get_by_role("alert")
        alert.get_by_text("Some fields need attention.").wait_for()
        alert.get_by_text("Time step: Must be a whole number of seconds from 15 to 120.").wait_for()
        period = console.get_by_label("Time step (seconds)")
        assert period.input_value() == "0" and period.get_attribute("aria-invalid") == "true"  # the input stays
        shots(console, "google-settings-refused")
        assert authenticators_by_key(api)["google_otp"]["settings"]["period"] == 30  # nothing changed

        console.get_by_label("Time step (seconds)").fill("30")
        console.get_by_label("Code length (digits)").select_option("8")
        console.get_by_role("button", name="Save").click()
        console.get_by_role("status").get_by_text("Settings saved.").wait_for()
        assert authenticators_by_key(api)["google_otp"]["settings"] == {"algorithm": "SHA1", "digits": 8, "period": 30}

        # A new Okta enrollment activates with an eight-digit code (checked by oathtool) ...
        factor = _enroll_google(api, api.create_user())
        assert factor.status_code == 200, factor.text
        activation = factor.json()["_embedded"]["activation"]
        r = api.http.post(factor.json()["_links"]["activate"]["href"], headers=api.ssws,
                          json={"passCode": _code(activation["sharedSecret"], 8)})
        assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
        # ... and a new Auth0 enrollment's key URI says so.
        r = api.associate(api.mfa_token(api.create_client(), api.create_user()))
        assert r.status_code == 200, r.text
        assert "digits=8" in r.json()["barcode_uri"] and "period=30" in r.json()["barcode_uri"]

        console.get_by_role("link", name="Edit Google Authenticator").click()
        console.get_by_label("Code length (digits)").select_option("6")
        console.get_by_role("button", name="Save").click()
        console.get_by_role("status").get_by_text("Settings saved.").wait_for()
        assert authenticators_by_key(api)["google_otp"]["settings"]["digits"] == 6
    finally:
        if authenticators_by_key(api)["google_otp"]["settings"] != google["settings"]:
            r = api.http.put(f"/api/v1/authenticators/{google['id']}", headers=api.ssws,
                             json={"name": google["name"], "settings": google["settings"]})
            assert r.status_code == 200, r.text


def test_edit_and_update_the_policy_with_the_keyboard_only(console, console_server, shots):
    api = console_server.api()
    assert _modes(api)["security_question"] == "OPTIONAL"
    # An inactive policy (no effect on enforcement) is listed before the Default Policy, as evaluated.
    r = api.http.post("/api/v1/policies", headers=api.ssws, json={
        "type": "MFA_ENROLL", "name": "Contractors", "status": "INACTIVE", "priority": 1,
        "settings": {"type": "AUTHENTICATORS",
                     "authenticators": [{"key": "okta_password", "enroll": {"self": "REQUIRED"}}]}})
    assert r.status_code == 200, r.text
    other = r.json()
    try:
        console.goto(console.base + ENROLLMENT)
        headings = console.get_by_role("heading", level=2).all_inner_texts()
        assert headings.index("Contractors") < headings.index("Default Policy") == len(headings) - 1
        contractors = console.get_by_role("region", name="Contractors")
        contractors.get_by_text("Inactive", exact=True).wait_for()
        google = contractors.get_by_role("row").filter(has_text="Google Authenticator")
        assert google.get_by_text("Disabled", exact=True).count() == 1  # missing from its settings
        tab_to(console, "el.getAttribute('aria-label') === 'Edit Default Policy'")
        console.keyboard.press("Enter")
        console.get_by_role("dialog", name="Edit Default Policy").wait_for()
        tab_to(console, "el.id === 'enroll-security_question'")
        console.keyboard.press("ArrowDown")  # Optional → Required
        assert console.get_by_label("Security Question", exact=True).input_value() == "REQUIRED"
        shots(console, "keyboard-edit")
        tab_to(console, "el.textContent.trim() === 'Update Policy'")
        console.keyboard.press("Enter")
        console.get_by_role("status").get_by_text("Policy updated.").wait_for()
        _eligible(console, "Security Question").get_by_text("Required", exact=True).wait_for()
        assert _modes(api)["security_question"] == "REQUIRED"

        # Escape cancels the dialog: nothing is saved.
        tab_to(console, "el.getAttribute('aria-label') === 'Edit Default Policy'")
        console.keyboard.press("Enter")
        console.get_by_role("dialog", name="Edit Default Policy").wait_for()
        console.keyboard.press("Escape")
        console.wait_for_url("**" + ENROLLMENT)
        assert _modes(api)["security_question"] == "REQUIRED"
    finally:
        assert api.http.delete(f"/api/v1/policies/{other['id']}", headers=api.ssws).status_code == 204
        if _modes(api)["security_question"] != "OPTIONAL":
            _put_mode(api, "security_question", "OPTIONAL")
