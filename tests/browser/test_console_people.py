"""Directory › People in the Admin Console: search (by keyboard), a person's factors, Reset
factors, the MFA lockout shown in the list and lifted by Unlock, and a refused lifecycle
action, each proved through the Okta Users and Factors APIs."""
from __future__ import annotations

import re
import secrets
import time

from ..support import oathtool_totp, okta_error, wrong_code

TOTP = "token:software:totp"


def _step_code(secret: str, step: int) -> str:
    return oathtool_totp(secret, step * 30 + 1)


def _person_with_totp(api) -> tuple[dict, dict, str, int]:
    """A new user with an active Google Authenticator factor, enrolled and activated through
    the Okta Factors API: (user, factor, its secret, the step its activation code used)."""
    user = api.create_user(f"person-{secrets.token_hex(5)}@example.com")
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": TOTP, "provider": "GOOGLE"})
    assert r.status_code == 200, r.text
    factor = r.json()
    secret = factor["_embedded"]["activation"]["sharedSecret"]
    step = int(time.time()) // 30
    r = api.http.post(factor["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": _step_code(secret, step)})
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
    return user, r.json(), secret, step


def _search(console, text: str) -> None:
    """Keyboard only: focus the search box, type, Enter."""
    console.goto(console.base + "/admin/directory/people")
    console.get_by_role("heading", name="People").wait_for()
    console.get_by_label("Search people").focus()
    console.keyboard.type(text)
    console.keyboard.press("Enter")
    console.wait_for_url(re.compile(r"/admin/directory/people\?q="))


def _row(console, login: str):
    return console.get_by_role("row").filter(has_text=login)


def test_search_by_keyboard_shows_factors_and_reset_factors_removes_them(console_server, console, shots):
    api = console_server.api()
    user, factor, _, _ = _person_with_totp(api)
    other = api.create_user()  # must not match the search
    fragment = user["login"].split("@")[0]
    _search(console, fragment[:14])
    row = _row(console, user["login"])
    row.wait_for()
    assert console.get_by_text(other["login"]).count() == 0
    assert row.get_by_text("Active").count() == 1 and row.get_by_text("Locked out").count() == 0
    shots(console, "people-search")

    row.get_by_role("link", name="Test User").click()
    console.get_by_role("heading", name="Test User").wait_for()
    console.get_by_text(user["login"]).first.wait_for()
    factors = console.locator("section", has=console.get_by_role("heading", name="Factors"))
    factor_row = factors.get_by_role("row").filter(has_text="Google Authenticator")
    factor_row.get_by_text("Active").wait_for()
    shots(console, "people-person")

    console.once("dialog", lambda d: d.accept())  # "Reset all factors of …?"
    console.get_by_role("button", name="Reset factors").click()
    console.get_by_text("All factors were reset").wait_for()
    factors.get_by_text("No factors enrolled.").wait_for()
    r = api.http.get(f"/api/v1/users/{user['id']}/factors", headers=api.ssws)
    assert r.status_code == 200 and r.json() == [], r.text
    r = api.http.get(f"/api/v1/users/{user['id']}/factors/{factor['id']}", headers=api.ssws)
    okta_error(r, 404, "E0000007")
    # Enrollment is possible again.
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": TOTP, "provider": "GOOGLE"})
    assert r.status_code == 200 and r.json()["status"] == "PENDING_ACTIVATION", r.text


def test_mfa_lockout_is_shown_and_unlock_lifts_it(console_server, console, shots):
    api = console_server.api()
    user, factor, secret, used_step = _person_with_totp(api)
    verify = factor["_links"]["verify"]["href"]
    wrong = wrong_code(secret)
    answers = []
    for _ in range(12):  # mfa_max_failures (10) wrong codes, then the lockout
        r = api.http.post(verify, headers=api.ssws, json={"passCode": wrong})
        answers.append(r.json().get("errorCode"))
        if answers[-1] == "E0000069":
            break
    assert answers[-1] == "E0000069" and set(answers[:-1]) == {"E0000068"}, answers

    _search(console, user["login"])
    row = _row(console, user["login"])
    row.get_by_text("Locked out").wait_for()
    shots(console, "people-locked")
    row.get_by_role("link", name="Test User").click()
    console.get_by_role("heading", name="Lockout").wait_for()
    console.get_by_text("Locked out after too many failed MFA codes").wait_for()
    console.get_by_role("button", name="Unlock").click()
    console.get_by_text("The person was unlocked").wait_for()
    assert console.locator(".person-head").get_by_text("Locked out").count() == 0
    shots(console, "people-unlocked")

    # A correct code of a later step than the activation's now verifies (R1: never an older one).
    now = int(time.time()) // 30
    r = api.http.post(verify, headers=api.ssws, json={"passCode": _step_code(secret, max(now, used_step + 1))})
    assert r.status_code == 200 and r.json() == {"factorResult": "SUCCESS"}, r.text
    _search(console, user["login"])
    _row(console, user["login"]).get_by_text("Active").wait_for()
    assert _row(console, user["login"]).get_by_text("Locked out").count() == 0


def test_password_lockout_is_shown_and_unlock_lifts_it(console_server, console, shots):
    api = console_server.api()
    client = api.create_client()
    user = api.create_user(f"person-{secrets.token_hex(5)}@example.com")
    for _ in range(10):  # password_max_failures wrong passwords lock the login
        r = api.token(client, grant_type="password", username=user["login"], password="not-" + user["password"])
        assert r.status_code == 403 and r.json()["error"] == "invalid_grant", r.text
    r = api.password_login(client, user)
    assert r.status_code == 429 and r.json()["error"] == "too_many_attempts", r.text

    _search(console, user["login"])
    row = _row(console, user["login"])
    row.get_by_text("Locked out").wait_for()
    row.get_by_text("too many failed passwords").wait_for()
    row.get_by_role("link", name="Test User").click()
    console.get_by_text("Locked out after too many failed passwords").wait_for()
    console.get_by_role("button", name="Unlock").click()
    console.get_by_text("The person was unlocked").wait_for()
    console.get_by_text("Not locked out.").wait_for()
    r = api.password_login(client, user)  # the right password gets through to the MFA step again
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text


def test_lifecycle_actions_and_a_refused_one_says_why(console_server, console, shots):
    api = console_server.api()
    user = api.create_user()
    console.goto(console.base + f"/admin/directory/people/{user['id']}")
    console.get_by_role("heading", name="Test User").wait_for()
    console.once("dialog", lambda d: d.accept())  # "Suspend …?"
    console.get_by_role("button", name="Suspend").click()
    console.get_by_text("The person was suspended").wait_for()
    assert api.http.get(f"/api/v1/users/{user['id']}", headers=api.ssws).json()["status"] == "SUSPENDED"

    # The page still offers Unsuspend; meanwhile the API unsuspends: the click is refused, clearly.
    assert api.http.post(f"/api/v1/users/{user['id']}/lifecycle/unsuspend", headers=api.ssws).status_code == 200
    console.get_by_role("button", name="Unsuspend").click()
    console.get_by_role("alert").get_by_text("Only a suspended user can be unsuspended.").wait_for()
    shots(console, "people-refused")
    console.get_by_role("button", name="Suspend").wait_for()  # the page shows the status as it is now
    assert api.http.get(f"/api/v1/users/{user['id']}", headers=api.ssws).json()["status"] == "ACTIVE"

    # A search that matches nobody says so; pages follow with a Next link.
    _search(console, "nobody-" + secrets.token_hex(4))
    console.get_by_text("Nobody's username, email or name starts with").wait_for()
    console.goto(console.base + "/admin/directory/people?limit=1")
    console.get_by_role("link", name="Next").click()
    console.get_by_role("link", name="First page").wait_for()
    assert "after=" in console.url
