"""Applications in the Admin Console: the grant types an app may use (proved at /oauth/token),
Create App Integration and client secret rotation (the new secret shown once, in the page,
never in a URL), refused saves with their reasons, and the grant form by keyboard alone."""
from __future__ import annotations

import secrets
import time

from ..support import MFA_OTP, oathtool_totp
from .conftest import tab_to


def _later_code(secret: str, used: str) -> str:
    """A code of a step after `used`'s (the replay guard refuses older steps) that the server's
    ±1 window still accepts now."""
    now = int(time.time()) // 30
    used_step = max(s for s in range(now - 3, now + 2) if oathtool_totp(secret, s * 30 + 1) == used)
    return oathtool_totp(secret, max(now, used_step + 1) * 30 + 1)


def _app(api, app_id: str) -> dict:
    r = api.http.get(f"/api/v1/apps/{app_id}", headers=api.ssws)
    assert r.status_code == 200, r.text
    return r.json()


def _password(api, client_id: str, secret: str, user: dict):
    return api.http.post("/oauth/token", data={"grant_type": "password", "client_id": client_id, "client_secret": secret,
                                               "username": user["login"], "password": user["password"], "scope": "openid"})


def _open_app(console, name: str) -> None:
    console.goto(console.base + "/admin/applications")
    console.get_by_role("heading", name="Applications").wait_for()
    console.get_by_role("link", name=name, exact=True).click()
    console.get_by_role("heading", name=name, exact=True).wait_for()


def test_unchecking_mfa_otp_refuses_the_grant_and_checking_it_restores_it(console_server, console, shots):
    api = console_server.api()
    client = api.create_client()  # password, password-realm, mfa-otp, mfa-recovery-code, refresh_token
    user = api.enrolled_user(client)
    _open_app(console, client["client_name"])
    assert console.locator("#client-id").inner_text() == client["client_id"]
    assert console.get_by_label("MFA OTP", exact=True).is_checked()
    shots(console, "app-general")

    # Keyboard only: from the name field, Tab to "MFA OTP", Space unchecks it, Tab on to Save, Enter.
    console.get_by_label("App integration name").focus()
    tab_to(console, f"el.value === '{MFA_OTP}'", limit=20)
    console.keyboard.press("Space")
    assert not console.get_by_label("MFA OTP", exact=True).is_checked()
    tab_to(console, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Save'", limit=20)
    console.keyboard.press("Enter")
    console.get_by_text("The app's settings were saved.").wait_for()
    assert not console.get_by_label("MFA OTP", exact=True).is_checked()
    assert MFA_OTP not in _app(api, client["client_id"])["settings"]["oauthClient"]["grant_types"]

    mfa_token = api.mfa_token(client, user)  # the password grant still works
    r = api.mfa_otp(client, mfa_token, _later_code(user["secret"], user["confirm_code"]))
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "unauthorized_client",
                        "error_description": f"Grant type '{MFA_OTP}' not allowed for the client."}

    console.get_by_label("MFA OTP", exact=True).check()
    console.get_by_role("button", name="Save").click()
    console.get_by_text("The app's settings were saved.").wait_for()
    assert console.get_by_label("MFA OTP", exact=True).is_checked()
    r = api.mfa_otp(client, mfa_token, _later_code(user["secret"], user["confirm_code"]))
    assert r.status_code == 200 and r.json()["access_token"], r.text


def test_refused_saves_say_why_and_keep_the_choices(console_server, console, shots):
    api = console_server.api()
    public = api.create_client(method="none")
    before = _app(api, public["client_id"])["settings"]["oauthClient"]["grant_types"]
    _open_app(console, public["client_name"])
    # A public client has no secret: the page says so and offers no rotation.
    secrets_card = console.locator("section", has=console.get_by_role("heading", name="Client Secrets"))
    secrets_card.get_by_text("it has no client secret").wait_for()
    assert console.get_by_role("button", name="Generate new secret").count() == 0

    console.get_by_label("Client Credentials", exact=True).check()
    console.get_by_role("button", name="Save").click()
    alert = console.get_by_role("alert")
    alert.get_by_text("client_credentials needs a confidential client (a client secret)").wait_for()
    assert console.get_by_label("Client Credentials", exact=True).is_checked()  # the admin's input stays
    assert console.get_by_label("MFA OTP", exact=True).is_checked()
    shots(console, "app-refused")

    for box in console.locator("input[name=grant_types]").all():
        box.uncheck()
    console.get_by_role("button", name="Save").click()
    console.get_by_role("alert").get_by_text("Select at least one grant type.").wait_for()

    console.get_by_label("App integration name").fill("")
    console.locator("#label").evaluate("el => el.removeAttribute('required')")  # the server checks too
    console.get_by_label("Refresh Token", exact=True).check()
    console.get_by_role("button", name="Save").click()
    console.get_by_role("alert").get_by_text("Enter the app integration name.").wait_for()
    after = _app(api, public["client_id"])
    assert after["settings"]["oauthClient"]["grant_types"] == before and after["label"] == public["client_name"]

    # Create App Integration refuses too, keeping what was typed.
    name = "Refused " + secrets.token_hex(3)
    console.goto(console.base + "/admin/applications/new")
    console.get_by_label("App integration name").fill(name)
    console.get_by_label("None (public client, no secret)").check()
    console.get_by_label("Authorization Code", exact=True).uncheck()
    console.get_by_label("Client Credentials", exact=True).check()
    console.get_by_role("button", name="Save").click()
    console.get_by_role("alert").get_by_text("client_credentials needs a confidential client").wait_for()
    assert console.get_by_label("App integration name").input_value() == name
    assert console.get_by_label("None (public client, no secret)").is_checked()
    assert not any(a["label"] == name for a in api.http.get("/api/v1/apps", headers=api.ssws).json())


def test_create_app_then_rotate_its_secret_shown_once_never_in_a_url(console_server, console, shots):
    api = console_server.api()
    user = api.create_user()
    urls: list[str] = []
    console.on("request", lambda r: urls.append(r.url))
    name = "Portal " + secrets.token_hex(3)

    console.goto(console.base + "/admin/applications")
    console.get_by_role("link", name="Create App Integration").click()
    console.get_by_label("App integration name").fill(name)
    console.get_by_label("Client secret (in the request body)").check()
    console.get_by_label("Authorization Code", exact=True).uncheck()
    console.get_by_label("Resource Owner Password", exact=True).check()
    console.get_by_label("MFA OTP", exact=True).check()
    shots(console, "app-create")
    console.get_by_role("button", name="Save").click()
    console.get_by_role("heading", name=name, exact=True).wait_for()
    console.get_by_text("The app integration was created.").wait_for()
    console.get_by_text("Copy it now: it will not be shown again").wait_for()
    client_id = console.locator("#client-id").inner_text().strip()
    first = console.locator(".secret").inner_text().strip()
    assert len(first) >= 32
    r = _password(api, client_id, first, user)
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text

    console.once("dialog", lambda d: d.accept())  # "Generate a new client secret …?"
    console.get_by_role("button", name="Generate new secret").click()
    console.get_by_role("heading", name="New client secret").wait_for()
    console.get_by_text("Copy it now: it will not be shown again").wait_for()
    second = console.locator(".secret").inner_text().strip()
    shots(console, "app-new-secret")
    assert second and second != first
    r = _password(api, client_id, first, user)
    # The old secret is gone: Auth0's answer to a wrong client secret (client_secret_post).
    assert r.status_code == 401 and r.json() == {"error": "access_denied", "error_description": "Unauthorized"}
    r = _password(api, client_id, second, user)
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text

    # Shown once: reading the app again shows no secret; no URL ever carried one.
    console.goto(console.base + f"/admin/applications/{client_id}")
    assert console.locator(".secret").count() == 0 and second not in console.content()
    console.goto(console.base + "/admin/applications")
    row = console.get_by_role("row").filter(has=console.get_by_role("link", name=name, exact=True))
    row.get_by_text(client_id).wait_for()
    row.get_by_text("Active").wait_for()
    shots(console, "app-list")
    assert urls and not any(first in u or second in u for u in urls)

    # Deactivate (asks first), then delete; the API agrees at each step.
    row.get_by_role("link", name=name, exact=True).click()
    console.once("dialog", lambda d: d.accept())
    console.get_by_role("button", name="Deactivate").click()
    console.get_by_text("The app was deactivated").wait_for()
    assert _app(api, client_id)["status"] == "INACTIVE"
    assert _password(api, client_id, second, user).status_code == 401
    console.once("dialog", lambda d: d.accept())
    console.get_by_role("button", name="Delete app").click()
    console.get_by_text("The app was deleted.").wait_for()
    assert api.http.get(f"/api/v1/apps/{client_id}", headers=api.ssws).status_code == 404
