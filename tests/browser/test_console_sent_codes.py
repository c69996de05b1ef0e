"""Codes sent by SMS, voice and email in the Admin Console: the Phone and Email authenticators'
settings (channels, use, code lifetime, message templates), the Outbox of the development
provider (a code read there, as a phone would, activates an SMS factor enrolled through the
Okta Factors API), and a person's phone and email factors masked, with Show revealing the
full value to the administrator (audited without the value). Each effect is proved through
the HTTP APIs or the database.

All tests of one backend share one server: each puts the org's state back in `finally`."""
from __future__ import annotations

import json
import re
import secrets

from ..support import authenticators_by_key, db_rows, okta_error

AUTHENTICATORS = "/admin/security/authenticators"
OUTBOX = "/admin/reports/outbox"


def _number() -> str:
    """A valid number of its own (the 30 s send interval is per number)."""
    return f"+1415555{secrets.randbelow(8000) + 2000}"


def _enroll(api, user: dict, factor_type: str, profile: dict):
    return api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                         json={"factorType": factor_type, "provider": "OKTA", "profile": profile})


def _methods(api, authenticator: dict) -> dict[str, str]:
    r = api.http.get(f"/api/v1/authenticators/{authenticator['id']}/methods", headers=api.ssws)
    assert r.status_code == 200, r.text
    return {m["type"]: m["status"] for m in r.json()}


def test_phone_channels_templates_and_lifetime_are_set_in_the_console(console, console_server, shots):
    api = console_server.api()
    phone = authenticators_by_key(api)["phone_number"]
    assert _methods(api, phone) == {"sms": "ACTIVE", "voice": "ACTIVE"}
    try:
        console.goto(console.base + AUTHENTICATORS)
        console.get_by_role("link", name="Edit Phone").click()
        console.get_by_role("heading", name="Edit Phone").wait_for()
        shots(console, "phone-settings")
        console.get_by_label("Voice call", exact=True).uncheck()
        console.get_by_label("SMS message", exact=True).fill("Your code for {issuer}, {password}")  # no {code}, unknown one
        console.get_by_role("button", name="Save").click()
        alert = console.get_by_role("alert")
        alert.get_by_text("Some fields need attention.").wait_for()
        alert.get_by_text("Message templates: Template 1: Unknown placeholder {password}; use {code}, {issuer}, "
                          "{minutes}.").wait_for()
        alert.get_by_text("Message templates: Template 1: The text must contain {code}.").wait_for()
        assert console.get_by_label("Voice call", exact=True).is_checked() is False  # the form keeps what was chosen
        shots(console, "phone-settings-refused")
        assert authenticators_by_key(api)["phone_number"] == phone  # nothing changed

        console.get_by_label("SMS message", exact=True).fill("{code} is your {issuer} code ({minutes} min)")
        console.get_by_label("Code lifetime (minutes)").fill("3")
        console.get_by_label("Channel", exact=True).select_option(label="SMS")
        console.get_by_label("Language").fill("fr")
        console.locator("#new-text").fill("{code} est votre code")
        console.get_by_role("button", name="Save").click()
        console.get_by_role("status").get_by_text("Settings saved.").wait_for()
        assert _methods(api, phone) == {"sms": "ACTIVE", "voice": "INACTIVE"}
        assert authenticators_by_key(api)["phone_number"]["settings"] == {"allowedFor": "any"}  # Okta's shape

        # The voice channel is off: a call factor is refused in Okta's words; SMS enrolls, and its
        # message is the template, in French for a French speaker, living three minutes.
        user = api.create_user()
        body = okta_error(_enroll(api, user, "call", {"phoneNumber": _number()}), 400, "E0000001")
        assert body["errorCauses"][0]["errorSummary"] == \
            "The voice channel of the phone_number authenticator is turned off."
        number = _number()
        r = _enroll(api, user, "sms", {"phoneNumber": number})
        assert r.status_code == 200, r.text
        console.goto(console.base + OUTBOX)
        row = console.get_by_role("row").filter(has_text=number)
        text = row.locator(".outbox-text").inner_text()
        assert re.fullmatch(r"\d{6} is your .+ code \(3 min\)", text), text

        console.goto(console.base + AUTHENTICATORS)
        console.get_by_role("link", name="Edit Phone").click()
        assert console.get_by_label("Code lifetime (minutes)").input_value() == "3"
        assert console.get_by_label("Message", exact=True).first.input_value() == "{code} est votre code"
        console.get_by_label("Remove this template").check()
        console.get_by_label("Voice call", exact=True).check()
        console.get_by_role("button", name="Save").click()
        console.get_by_role("status").get_by_text("Settings saved.").wait_for()
        assert _methods(api, phone) == {"sms": "ACTIVE", "voice": "ACTIVE"}
        kept = [(t["channel"], t["language"]) for t in _stored_settings(console_server, "phone_number")["templates"]]
        assert kept == [("sms", None)]
    finally:
        _restore(api, phone)
        r = api.http.post(f"/api/v1/authenticators/{phone['id']}/methods/voice/lifecycle/activate", headers=api.ssws)
        assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text


def _stored_settings(server, key: str) -> dict:
    ((settings,),) = db_rows(server, f"SELECT settings FROM authenticators WHERE key = '{key}'")
    return json.loads(settings)


def _restore(api, before: dict) -> None:
    """Okta's members back as they were; the console's own settings (channels, templates, a
    lifetime) removed: null is an absent setting, its default applies."""
    settings = {"channels": None, "templates": None, "tokenLifetimeInMinutes": None, **(before.get("settings") or {})}
    r = api.http.put(f"/api/v1/authenticators/{before['id']}", headers=api.ssws,
                     json={"name": before["name"], "settings": settings})
    assert r.status_code == 200, r.text


def test_email_for_recovery_only_is_set_in_the_console(console, console_server, shots):
    api = console_server.api()
    email = authenticators_by_key(api)["okta_email"]
    try:
        console.goto(console.base + AUTHENTICATORS)
        console.get_by_role("link", name="Edit Email").click()
        console.get_by_role("heading", name="Edit Email").wait_for()
        assert console.get_by_label("Voice call", exact=True).count() == 0  # one channel: nothing to turn off
        console.get_by_label("Used for").select_option(label="Recovery only")
        console.get_by_label("Code lifetime (minutes)").fill("0")
        console.get_by_role("button", name="Save").click()
        console.get_by_role("alert").get_by_text("Code lifetime: Must be a whole number from 1 to 1440.").wait_for()
        assert console.get_by_label("Code lifetime (minutes)").get_attribute("aria-invalid") == "true"
        shots(console, "email-settings-refused")
        console.get_by_label("Code lifetime (minutes)").fill("5")
        console.get_by_role("button", name="Save").click()
        console.get_by_role("status").get_by_text("Settings saved.").wait_for()
        assert authenticators_by_key(api)["okta_email"]["settings"] == {"allowedFor": "recovery",
                                                                          "tokenLifetimeInMinutes": 5}
    finally:
        _restore(api, email)


def test_the_outbox_shows_a_code_that_activates_an_sms_factor_and_the_person_page_masks_it(
        console, console_server, signed_in_state, shots):
    api = console_server.api()
    user = api.create_user(f"sms-{secrets.token_hex(4)}@example.com")
    number = _number()
    r = _enroll(api, user, "sms", {"phoneNumber": number})
    assert r.status_code == 200 and r.json()["status"] == "PENDING_ACTIVATION", r.text
    factor = r.json()

    console.goto(console.base + "/admin/")
    console.get_by_role("navigation", name="Main").get_by_text("Reports").click()
    console.get_by_role("link", name="Outbox").click()
    console.get_by_role("heading", name="Outbox").wait_for()
    row = console.get_by_role("row").filter(has_text=number)
    row.get_by_text("SMS", exact=True).wait_for()
    shots(console, "outbox")
    code = re.search(r"code is (\d{6})", row.locator(".outbox-text").inner_text()).group(1)
    response = console.request.get(console.base + OUTBOX)
    assert response.headers["cache-control"] == "no-store"

    r = api.http.post(factor["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": code})
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text

    console.goto(console.base + f"/admin/directory/people/{user['id']}")
    factors = console.locator("section", has=console.get_by_role("heading", name="Factors"))
    sms = factors.get_by_role("row").filter(has_text="SMS Authentication")
    masked = "+1 XXX-XXX-" + number[-4:]
    sms.get_by_text(masked).wait_for()
    assert number not in console.content()
    shots(console, "person-masked")
    sms.get_by_role("button", name="Show the full phone number of SMS Authentication").click()
    factors.get_by_text(number, exact=True).wait_for()
    assert number not in console.url
    shots(console, "person-revealed")

    admin = api.http.get(f"/api/v1/users/{signed_in_state['admin'].login}", headers=api.ssws).json()
    rows = db_rows(console_server, "SELECT user_id, factor_id, detail FROM audit_events "
                                   "WHERE event_type = 'factor.destination.reveal'")
    mine = [r for r in rows if r[1] == factor["id"]]
    assert len(mine) == 1 and mine[0][0] == user["id"]
    assert json.loads(mine[0][2])["actor"] == admin["id"] and number[-8:] not in mine[0][2]

    console.goto(console.base + f"/admin/directory/people/{user['id']}")  # shown once: masked again
    sms = console.get_by_role("row").filter(has_text="SMS Authentication")
    sms.get_by_text(masked).wait_for()
    assert number not in console.content()


def test_the_outbox_explains_external_delivery(chromium, make_server, backend, shots):
    """A server whose every channel goes to a real provider keeps nothing: the page says so."""
    from .conftest import LAPTOP, new_admin, sign_in

    server = make_server(backend, extra_env={"TWOFOLD_SMS_PROVIDER": "webhook",
                                             "TWOFOLD_SMS_WEBHOOK_URL": "http://127.0.0.1:9/hook",
                                             "TWOFOLD_EMAIL_PROVIDER": "smtp", "TWOFOLD_SMTP_HOST": "127.0.0.1"})
    context = chromium.new_context(viewport=LAPTOP)
    page = context.new_page()
    try:
        sign_in(page, server, new_admin(server))
        page.goto(server.base_url + OUTBOX)
        page.get_by_text("Delivery is external").wait_for()
        assert page.get_by_role("table").count() == 0
        shots(page, "outbox-external")
    finally:
        context.close()
