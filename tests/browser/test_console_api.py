"""Security › API in the Admin Console: seed 000's "Set up your authorization server" followed
word for word (Authorization Servers tab, the pencil next to `default`, Access Policies, the
pencil of the Default Policy Rule, Edit Rule, MFA OTP, Update Rule), proven at the token
endpoint; refused input; a server's settings, policies and lifecycle; API tokens; keyboard use."""
from __future__ import annotations

import secrets
import subprocess
import sys

import jwt
import pytest

from twofold.domain.grants import RULE_GRANTS

from ..support import default_server_rule, MFA_OTP, okta_token, user_with_totp
from .conftest import PHONE, tab_to

POLICIES = "/api/v1/authorizationServers/default/policies"
DENIED = {"error": "access_denied",
          "error_description": "Policy evaluation failed for this request, please check the policy configurations."}
SCOPE = "openid profile offline_access"


def _rule_now(api, policy: dict, rule: dict) -> dict:
    r = api.http.get(f"{POLICIES}/{policy['id']}/rules/{rule['id']}", headers=api.ssws)
    assert r.status_code == 200, r.text
    return r.json()


def _grants(rule: dict) -> set[str]:
    return set(rule["conditions"]["grantTypes"]["include"])


@pytest.fixture
def default_rule(console_server):
    """The Default Policy Rule of `default`, put back as it was (other tests share the server)."""
    api = console_server.api()
    policy, rule = default_server_rule(api)
    yield api, policy, rule
    body = {"name": rule["name"], "type": "RESOURCE_ACCESS", "priority": rule["priority"],
            "conditions": rule["conditions"], "actions": rule["actions"]}
    r = api.http.put(f"{POLICIES}/{policy['id']}/rules/{rule['id']}", headers=api.ssws, json=body)
    assert r.status_code == 200, r.text


def _fits_phone(page) -> None:
    """At 390 px nothing widens the page: wide tables scroll inside their frame."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        page.set_viewport_size(size)


def _update_rule_checkbox(page, label: str, checked: bool) -> None:
    """On the Access Policies tab: the Default Policy Rule's pencil, the checkbox, Update Rule."""
    page.get_by_role("link", name="Edit rule Default Policy Rule").click()
    dialog = page.get_by_role("dialog", name="Edit Rule")
    box = dialog.get_by_label(label, exact=True)
    box.set_checked(checked)
    dialog.get_by_role("button", name="Update Rule").click()
    page.get_by_role("status").get_by_text("Rule updated.").wait_for()


def test_seed_000_mfa_otp_in_the_edit_rule_dialog_decides_the_grant(console, console_server, default_rule, shots):
    api, policy, rule = default_rule
    page = console
    assert MFA_OTP in _grants(rule)
    # 1. In the Admin Console, go to Security > API.
    page.goto(page.base + "/admin/")
    page.locator("summary", has_text="Security").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API", exact=True).click()
    page.get_by_role("heading", name="API", exact=True).wait_for()
    # 2. On the Authorization Servers tab, select the pencil icon next to the authorization server.
    assert page.get_by_role("link", name="Authorization Servers").get_attribute("aria-current") == "page"
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="default", exact=True))
    assert f"{console_server.base_url}/oauth2/default" in row.inner_text()
    shots(page, "authorization-servers")
    _fits_phone(page)
    row.get_by_role("link", name="Edit default", exact=True).click()
    page.get_by_role("heading", name="default", exact=True).wait_for()
    shots(page, "server-settings")
    # 3. Select the Access Policies tab.
    page.get_by_role("link", name="Access Policies").click()
    page.get_by_role("heading", name="Default Policy", exact=True).wait_for()
    rules = page.get_by_role("table", name="Rules of Default Policy")
    assert "MFA OTP" in rules.get_by_role("row").filter(has_text="Default Policy Rule").inner_text()
    shots(page, "access-policies")
    _fits_phone(page)
    # 4. Select the pencil icon from the Actions column for the Default Policy Rule.
    page.get_by_role("link", name="Edit rule Default Policy Rule").click()
    # 5. In the Edit Rule dialog, (un)select the MFA OTP checkbox. 6. Click Update Rule.
    dialog = page.get_by_role("dialog", name="Edit Rule")
    assert dialog.get_by_label("Rule Name").input_value() == "Default Policy Rule"
    mfa = dialog.get_by_label("MFA OTP", exact=True)
    assert mfa.is_checked() and dialog.get_by_label("Resource Owner Password").is_checked()
    shots(page, "edit-rule")
    _fits_phone(page)
    mfa.uncheck()
    dialog.get_by_role("button", name="Update Rule").click()
    page.get_by_role("status").get_by_text("Rule updated.").wait_for()
    shots(page, "rule-updated")
    assert _grants(_rule_now(api, policy, rule)) == _grants(rule) - {MFA_OTP}  # nothing else changed

    # The token endpoint of `default` now refuses the mfa-otp grant (the password grant still works).
    client = api.create_client(["password", MFA_OTP, "refresh_token"], method="client_secret_basic")
    user, code = user_with_totp(api)
    reply = okta_token(api, "/oauth2/default/v1/token", client, grant_type="password", username=user["login"], password=user["password"],
                   scope=SCOPE)
    assert reply.status_code == 403 and reply.json()["error"] == "mfa_required", reply.text
    mfa_token = reply.json()["mfa_token"]
    denied = okta_token(api, "/oauth2/default/v1/token", client, grant_type=MFA_OTP, mfa_token=mfa_token, otp=code)
    assert denied.status_code == 400 and denied.json() == DENIED

    # Checked again: the same request is allowed (the refusal spent neither the code nor the token).
    _update_rule_checkbox(page, "MFA OTP", True)
    assert _grants(_rule_now(api, policy, rule)) == _grants(rule)
    ok = okta_token(api, "/oauth2/default/v1/token", client, grant_type=MFA_OTP, mfa_token=mfa_token, otp=code)
    assert ok.status_code == 200, ok.text
    claims = jwt.decode(ok.json()["access_token"], options={"verify_signature": False})
    assert claims["iss"] == f"{console_server.base_url}/oauth2/default"


def test_edit_rule_refuses_bad_input_with_clear_errors_and_keeps_it(console, default_rule, shots):
    api, policy, rule = default_rule
    page = console
    page.goto(page.base + "/admin/security/api/servers/default/policies")
    page.get_by_role("link", name="Edit rule Default Policy Rule").click()
    dialog = page.get_by_role("dialog", name="Edit Rule")
    dialog.get_by_label("Rule Name").wait_for()  # locators' all() does not wait for the dialog
    boxes = dialog.get_by_role("checkbox").all()
    assert sorted(b.get_attribute("value") for b in boxes) == sorted(RULE_GRANTS)  # every grant the service allows
    for box in boxes:
        box.uncheck()
    dialog.get_by_label("Rule Name").fill("Renamed rule")
    dialog.get_by_label("Access token lifetime is").fill("0")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        dialog.get_by_role("button", name="Update Rule").click()
    assert posted.value.status == 400
    dialog = page.get_by_role("dialog", name="Edit Rule")
    alert = dialog.get_by_role("alert")
    alert.get_by_text("Select at least one grant type.").wait_for()
    alert.get_by_text("Access token lifetime must be a whole number of minutes from 5 to 1440").wait_for()
    shots(page, "edit-rule-refused")
    # The administrator's input is kept, not the stored rule's.
    assert dialog.get_by_label("Rule Name").input_value() == "Renamed rule"
    assert dialog.get_by_label("Access token lifetime is").input_value() == "0"
    assert dialog.get_by_label("Access token lifetime is").get_attribute("aria-invalid") == "true"
    assert not any(box.is_checked() for box in dialog.get_by_role("checkbox").all())

    # A refresh token shorter than the access token is refused too.
    dialog.get_by_label("MFA OTP", exact=True).check()
    dialog.get_by_label("Access token lifetime is").fill("30")
    dialog.get_by_label("Refresh token lifetime is").fill("10")
    dialog.get_by_role("button", name="Update Rule").click()
    page.get_by_role("dialog", name="Edit Rule").get_by_role("alert").get_by_text(
        "Refresh token lifetime must be 0 (unlimited)").wait_for()
    assert dialog.get_by_label("MFA OTP", exact=True).is_checked()
    assert not dialog.get_by_label("Resource Owner Password").is_checked()
    assert dialog.get_by_label("Refresh token lifetime is").input_value() == "10"
    assert _rule_now(api, policy, rule) == rule  # nothing changed

    dialog.get_by_role("link", name="Cancel").click()
    page.get_by_role("heading", name="Default Policy", exact=True).wait_for()
    assert page.get_by_role("dialog").count() == 0


def test_add_a_server_edit_its_settings_and_policies_then_deactivate_it(console, console_server, shots):
    api = console_server.api()
    page = console
    name = f"Billing {secrets.token_hex(3)}"
    page.goto(page.base + "/admin/security/api")
    page.get_by_role("link", name="Add Authorization Server").click()
    dialog = page.get_by_role("dialog", name="Add Authorization Server")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_role("button", name="Save").click()  # no audience: refused, input kept
    dialog = page.get_by_role("dialog", name="Add Authorization Server")
    dialog.get_by_role("alert").get_by_text("Enter an audience").wait_for()
    assert dialog.get_by_label("Name").input_value() == name
    dialog.get_by_label("Audience").fill("api://billing")
    dialog.get_by_label("Description").fill("Billing API")
    shots(page, "add-server")
    dialog.get_by_role("button", name="Save").click()
    page.get_by_role("status").get_by_text("Authorization server added.").wait_for()
    sid = page.url.split("?")[0].rsplit("/", 1)[1]
    try:
        got = api.http.get(f"/api/v1/authorizationServers/{sid}", headers=api.ssws).json()
        assert (got["name"], got["audiences"], got["description"], got["status"]) == \
            (name, ["api://billing"], "Billing API", "ACTIVE")

        page.get_by_label("Name").fill(name + " v2")
        page.get_by_label("Description").fill("Invoices and payments")
        page.get_by_role("button", name="Save").click()
        page.get_by_role("status").get_by_text("Authorization server saved.").wait_for()
        page.get_by_role("heading", name=name + " v2").wait_for()
        shots(page, "server-saved")
        got = api.http.get(f"/api/v1/authorizationServers/{sid}", headers=api.ssws).json()
        assert (got["name"], got["description"], got["audiences"]) == \
            (name + " v2", "Invoices and payments", ["api://billing"])

        # A new server refuses every grant until a policy's rule allows it (Add Policy, Add Rule).
        client = api.create_client(["password", MFA_OTP], method="client_secret_basic")
        user = api.create_user()
        login = dict(grant_type="password", username=user["login"], password=user["password"], scope="openid")
        assert okta_token(api, f"/oauth2/{sid}/v1/token", client, **login).json() == DENIED
        page.get_by_role("link", name="Access Policies").click()
        page.get_by_role("link", name="Add Policy").click()
        dialog = page.get_by_role("dialog", name="Add Policy")
        dialog.get_by_label("Name").fill("Billing apps")
        dialog.get_by_label("All clients").check()
        dialog.get_by_role("button", name="Create Policy").click()
        page.get_by_role("status").get_by_text("Policy added.").wait_for()
        page.get_by_role("link", name="Add Rule").click()
        dialog = page.get_by_role("dialog", name="Add Rule")
        dialog.get_by_label("Rule Name").fill("Password and MFA OTP")
        dialog.get_by_label("Resource Owner Password").check()
        dialog.get_by_label("MFA OTP", exact=True).check()
        dialog.get_by_label("The following scopes").check()
        dialog.get_by_label("Scopes", exact=True).fill("openid profile")
        dialog.get_by_role("button", name="Create Rule").click()
        page.get_by_role("status").get_by_text("Rule added.").wait_for()
        row = page.get_by_role("row").filter(has_text="Password and MFA OTP")
        assert "Resource Owner Password, MFA OTP" in row.inner_text() and "openid, profile" in row.inner_text()
        shots(page, "server-policies")
        reply = okta_token(api, f"/oauth2/{sid}/v1/token", client, **login)
        assert reply.status_code == 403 and reply.json()["error"] == "mfa_required", reply.text
        assert okta_token(api, f"/oauth2/{sid}/v1/token", client, **{**login, "scope": "openid email"}).json() == DENIED  # not a listed scope

        page.get_by_role("link", name="Settings").click()
        page.once("dialog", lambda d: d.accept())  # "Deactivate …?"
        page.get_by_role("button", name="Deactivate").click()
        page.get_by_role("status").get_by_text("Authorization server deactivated.").wait_for()
        shots(page, "server-deactivated")
        assert api.http.get(f"/api/v1/authorizationServers/{sid}", headers=api.ssws).json()["status"] == "INACTIVE"
        assert api.http.get(f"/oauth2/{sid}/.well-known/openid-configuration").status_code == 404
        page.get_by_role("button", name="Activate").click()
        page.get_by_role("status").get_by_text("Authorization server activated.").wait_for()
        assert api.http.get(f"/oauth2/{sid}/.well-known/openid-configuration").status_code == 200
    finally:
        assert api.http.delete(f"/api/v1/authorizationServers/{sid}", headers=api.ssws).status_code == 204


def test_tokens_tab_shows_names_never_values_and_revokes(console, console_server, shots):
    api = console_server.api()
    page = console
    name = f"ci-{secrets.token_hex(4)}"
    made = subprocess.run([sys.executable, "-m", "twofold", "tokens", "create", "--name", name], env=console_server.env,
                          cwd=str(console_server.data_dir), capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    value = made.stdout.strip()
    assert api.http.get("/api/v1/users?limit=1", headers={"Authorization": f"SSWS {value}"}).status_code == 200

    page.goto(page.base + "/admin/security/api")
    page.get_by_role("link", name="Tokens").click()
    page.get_by_role("cell", name=name, exact=True).wait_for()
    assert value not in page.content()
    # Refused: a token needs a name.
    page.get_by_role("button", name="Create Token").click()
    page.get_by_role("alert").get_by_text("Enter a name for the token").wait_for()
    # Created here: its value is shown once, in the page, and works.
    page.get_by_label("Name").fill(name + "-console")
    page.get_by_role("button", name="Create Token").click()
    created = page.locator("#new-token").inner_text().strip()
    assert api.http.get("/api/v1/users?limit=1", headers={"Authorization": f"SSWS {created}"}).status_code == 200
    assert created not in page.url
    shots(page, "tokens")
    _fits_phone(page)

    for token_name, token in ((name, value), (name + "-console", created)):
        page.once("dialog", lambda d: d.accept())  # "Revoke the token …?"
        page.get_by_role("button", name=f"Revoke token {token_name}", exact=True).click()
        page.get_by_role("status").get_by_text("Token revoked.").wait_for()
        assert page.get_by_role("cell", name=token_name, exact=True).count() == 0
        r = api.http.get("/api/v1/users?limit=1", headers={"Authorization": f"SSWS {token}"})
        assert r.status_code == 401, r.text
    shots(page, "token-revoked")
    assert api.http.get("/api/v1/users?limit=1", headers=api.ssws).status_code == 200  # the others still work


def test_edit_rule_with_the_keyboard_only(console, default_rule, shots):
    api, policy, rule = default_rule
    page = console
    assert "refresh_token" in _grants(rule)
    page.goto(page.base + "/admin/security/api/servers/default/policies")
    tab_to(page, "el.getAttribute('aria-label') === 'Edit rule Default Policy Rule'")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Edit Rule")
    dialog.wait_for()
    page.wait_for_function("document.activeElement.id === 'rule-name'")  # focus starts inside the dialog
    tab_to(page, "el.type === 'checkbox' && el.labels[0].textContent.trim() === 'Refresh Token'")
    page.keyboard.press("Space")
    assert not dialog.get_by_label("Refresh Token", exact=True).is_checked()
    shots(page, "keyboard-edit-rule")
    tab_to(page, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Update Rule'")
    page.keyboard.press("Enter")
    page.get_by_role("status").get_by_text("Rule updated.").wait_for()
    assert _grants(_rule_now(api, policy, rule)) == _grants(rule) - {"refresh_token"}

    # Escape closes the dialog without saving (it follows Cancel).
    tab_to(page, "el.getAttribute('aria-label') === 'Edit rule Default Policy Rule'")
    page.keyboard.press("Enter")
    page.get_by_role("dialog", name="Edit Rule").wait_for()
    page.keyboard.press("Space")  # focus is on Rule Name: a typed space, never saved
    page.keyboard.press("Escape")
    page.wait_for_url("**/servers/default/policies?policy=*")
    assert page.get_by_role("dialog").count() == 0
    assert _rule_now(api, policy, rule)["name"] == "Default Policy Rule"
