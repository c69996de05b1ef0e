"""Seed 000, word for word, in the Admin Console, then its effect at the token endpoints.

The org starts as the seed expects to find it: Google Authenticator set to Disabled in the
Default Policy, and the `default` authorization server's Default Policy Rule without the
MFA OTP grant (Okta's own default). Each numbered step below is the seed's step; the
assertions after a step prove its effect through the real APIs (R35, R43)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..support import (
    MFA_OTP, default_enroll_policy, default_server_rule, okta_error, put_enroll_modes, put_server_rule, two_codes,
)

TOTP = "token:software:totp"
DENIED = {"error": "access_denied",
          "error_description": "Policy evaluation failed for this request, please check the policy configurations."}


@pytest.fixture
def org_as_the_seed_finds_it(console_server):
    api = console_server.api()
    enroll_policy = default_enroll_policy(api)
    server_policy, rule = default_server_rule(api)
    grants = rule["conditions"]["grantTypes"]["include"]
    assert put_enroll_modes(api, enroll_policy, google_otp="NOT_ALLOWED").status_code == 200
    without = {"grantTypes": {"include": [g for g in grants if g != MFA_OTP]}}
    assert put_server_rule(api, server_policy, rule, conditions=without).status_code == 200
    try:
        yield api
    finally:  # the session's other browser tests share this server
        modes = {a["key"]: a["enroll"]["self"] for a in enroll_policy["settings"]["authenticators"]}
        assert put_enroll_modes(api, default_enroll_policy(api), **modes).status_code == 200
        assert put_server_rule(api, server_policy, rule).status_code == 200


def _open(page, section: str, link: str) -> None:
    """Select <section> > <link> in the sidebar (a section opens when clicked)."""
    menu = page.get_by_role("navigation", name="Main")
    group = menu.locator("details", has=page.get_by_text(section, exact=True))
    if group.get_attribute("open") is None:
        menu.get_by_text(section, exact=True).click()
    menu.get_by_role("link", name=link, exact=True).click()


def test_seed_000_in_the_admin_console(console, org_as_the_seed_finds_it, signed_in_state, shots):
    api = org_as_the_seed_finds_it
    page = console
    user = api.create_user()
    client = api.create_client(["password", MFA_OTP], method="client_secret_basic")
    enroll = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                           json={"factorType": TOTP, "provider": "GOOGLE"})
    assert "google_otp" in okta_error(enroll, 400, "E0000001")["errorCauses"][0]["errorSummary"]  # Disabled

    # ## Enable authenticators for your org
    # 1. Open the Admin Console for your org.
    page.goto(page.base + "/admin/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # 2. Select Security > Authenticators to view the available authenticators.
    _open(page, "Security", "Authenticators")
    expect(page.get_by_role("heading", name="Authenticators", exact=True)).to_be_visible()
    setup = page.get_by_role("table")
    expect(setup.get_by_role("row", name=re.compile("Google Authenticator"))).to_be_visible()
    shots(page, "security-authenticators")
    # 3. Google Authenticator is in the list, so "Add authenticator" is not needed for it; the
    #    step's last part applies: select the Enrollment tab and check the Default Policy.
    page.get_by_role("link", name="Enrollment", exact=True).click()
    default_policy = page.get_by_role("region", name="Default Policy")
    google_row = default_policy.get_by_role("row", name=re.compile("Google Authenticator"))
    expect(google_row).to_contain_text("Disabled")
    shots(page, "enrollment-tab-disabled")
    # 4. Click Edit for the Default Policy (the authenticator is set to Disabled).
    page.get_by_role("link", name="Edit Default Policy").click()
    # 5. Select Optional from the dropdown box for the authenticator, and click Update Policy.
    page.get_by_label("Google Authenticator", exact=True).select_option(label="Optional")
    shots(page, "edit-default-policy")
    page.get_by_role("button", name="Update Policy").click()
    expect(page.get_by_role("region", name="Default Policy")
           .get_by_role("row", name=re.compile("Google Authenticator"))).to_contain_text("Optional")
    shots(page, "enrollment-tab-optional")

    # Effect: Google Authenticator can be enrolled now (Okta Factors API), and the user does.
    enroll = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                           json={"factorType": TOTP, "provider": "GOOGLE"})
    assert enroll.status_code == 200, enroll.text
    first, second = two_codes(enroll.json()["_embedded"]["activation"]["sharedSecret"])
    activated = api.http.post(enroll.json()["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": first})
    assert activated.status_code == 200 and activated.json()["status"] == "ACTIVE"

    # Before the second part: the MFA OTP grant is refused on the default server.
    auth = (client["client_id"], client["client_secret"])
    signin = api.http.post("/oauth2/default/v1/token", auth=auth, data={
        "grant_type": "password", "username": user["login"], "password": user["password"], "scope": "openid"})
    assert signin.status_code == 403 and signin.json()["error"] == "mfa_required", signin.text
    mfa_token = signin.json()["mfa_token"]
    refused = api.http.post("/oauth2/default/v1/token", auth=auth,
                            data={"grant_type": MFA_OTP, "mfa_token": mfa_token, "otp": second})
    assert refused.status_code == 400 and refused.json() == DENIED

    # ## Set up your authorization server
    # 1. In the Admin Console, go to Security > API.
    _open(page, "Security", "API")
    # 2. On the Authorization Servers tab, select the pencil icon next to the authorization server.
    page.get_by_role("link", name="Authorization Servers", exact=True).click()
    shots(page, "security-api")
    page.get_by_role("link", name="Edit default", exact=True).click()
    # 3. Select the Access Policies tab.
    page.get_by_role("link", name="Access Policies", exact=True).click()
    shots(page, "access-policies")
    # 4. Select the pencil icon from the Actions column for the Default Policy Rule.
    page.get_by_role("link", name="Edit rule Default Policy Rule").click()
    # 5. In the Edit Rule dialog, select the MFA OTP checkbox.
    dialog = page.get_by_role("dialog", name="Edit Rule")
    expect(dialog).to_be_visible()
    mfa_otp = dialog.get_by_role("checkbox", name="MFA OTP", exact=True)
    expect(mfa_otp).not_to_be_checked()
    mfa_otp.check()
    shots(page, "edit-rule")
    # 6. Click Update Rule.
    dialog.get_by_role("button", name="Update Rule").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    shots(page, "access-policies-updated")

    # Effect: the same mfa_token and code now bring the tokens (the refusal spent neither).
    granted = api.http.post("/oauth2/default/v1/token", auth=auth,
                            data={"grant_type": MFA_OTP, "mfa_token": mfa_token, "otp": second})
    assert granted.status_code == 200, granted.text
    assert granted.json()["token_type"] == "Bearer" and granted.json()["access_token"]
    _, rule = default_server_rule(api)
    assert MFA_OTP in rule["conditions"]["grantTypes"]["include"]

    # The System Log names the administrator as the actor of both console changes (R68).
    admin = api.http.get(f"/api/v1/users/{signed_in_state['admin'].login}", headers=api.ssws).json()
    for event_type in ("policy.lifecycle.update", "policy.rule.update"):
        events = api.http.get("/api/v1/logs", headers=api.ssws, params={
            "filter": f'eventType eq "{event_type}"', "sortOrder": "DESCENDING", "limit": "1"}).json()
        assert events and events[0]["actor"]["id"] == admin["id"], (event_type, events)
        assert events[0]["actor"]["type"] == "User"
