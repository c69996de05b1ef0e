"""Reports › System Log in the Admin Console: events made through the APIs (an Okta factor
verified wrongly then rightly, an app's secret rotated, the administrator's own sign-in) are
found by keywords, outcome and event type, newest first, page by page, as the System Log API
shows them; no secret reaches the page; a bad time range is a clear 400; the form works by
keyboard alone."""
from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlparse

import pytest

from ..support import PASSWORD
from .conftest import user_who_verified_totp_wrongly_then_rightly

LOG = "/admin/reports/system-log"


@pytest.fixture(scope="module")
def made(console_server):
    """A new user who enrolls Google Authenticator through the Factors API and verifies once
    wrongly and once rightly; an app whose secret is rotated."""
    api = console_server.api()
    user, totp_key = user_who_verified_totp_wrongly_then_rightly(api)
    r = api.http.post("/api/v1/apps", headers=api.ssws, json={
        "name": "oidc_client", "label": "Log viewer app", "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": {"token_endpoint_auth_method": "client_secret_post"}},
        "settings": {"oauthClient": {"grant_types": ["password"], "application_type": "native",
                                     "redirect_uris": [], "response_types": []}}})
    assert r.status_code == 200, r.text
    app = r.json()
    rotated = api.http.post(f"/api/v1/apps/{app['id']}/credentials/secrets", headers=api.ssws)
    assert rotated.status_code == 200, rotated.text
    return {"api": api, "user": user, "totp_key": totp_key, "app": app,
            "client_secrets": [app["credentials"]["oauthClient"]["client_secret"], rotated.json()["client_secret"]]}


def _rows(page):
    return page.get_by_role("table").locator("tbody tr")


def _api_events(api, **params) -> list[dict]:
    r = api.http.get("/api/v1/logs", headers=api.ssws, params={"sortOrder": "DESCENDING", "limit": "200", **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_filter_by_outcome_and_keywords_shows_the_users_events_as_the_api_does(console, made, shots):
    login = made["user"]["login"]
    console.goto(console.base + "/admin/")
    console.get_by_text("Reports", exact=True).click()  # the sidebar's group opens
    console.get_by_role("navigation", name="Main").get_by_role("link", name="System Log", exact=True).click()
    console.get_by_role("heading", name="System Log").wait_for()
    shots(console, "system-log")

    console.get_by_label("Keywords").fill(login)
    console.get_by_label("Outcome").select_option("FAILURE")
    console.get_by_role("button", name="Search").click()
    console.wait_for_url("**q=*")
    query = parse_qs(urlparse(console.url).query)
    assert query["q"] == [login] and query["outcome"] == ["FAILURE"]
    rows = _rows(console)
    rows.first.wait_for()
    shots(console, "failures-of-user")
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert "Authentication of user via MFA" in row and "user.authentication.auth_via_mfa" in row
    assert "Failure" in row and "invalid credentials" in row and login in row and "127.0.0.1" in row
    # the API agrees: one failure of this user
    (failure,) = _api_events(made["api"], q=login, filter='outcome.result eq "FAILURE"')
    assert failure["eventType"] == "user.authentication.auth_via_mfa"

    # any outcome: every event of the user, newest first, as the API lists them
    console.get_by_label("Outcome").select_option("")
    console.get_by_role("button", name="Search").click()
    console.wait_for_url(lambda url: "outcome=FAILURE" not in url)
    expected = _api_events(made["api"], q=login)
    assert len(expected) >= 5  # created, enrolled, activated (+ verify), verify failure, verify success
    rows.nth(len(expected) - 1).wait_for()
    assert rows.count() == len(expected)
    shown = [rows.nth(i).locator("code").inner_text() for i in range(rows.count())]
    assert shown == [e["eventType"] for e in expected]
    assert "Success" in rows.first.inner_text()
    assert all("Failure" not in rows.nth(i).inner_text()
               for i, e in enumerate(expected) if e["outcome"]["result"] == "SUCCESS")
    # the user's creation was the management API's doing
    created = rows.filter(has_text="user.lifecycle.create")
    assert created.count() == 1 and "Management API" in created.inner_text()


def test_the_administrators_sign_in_names_them_as_actor_and_no_secret_reaches_the_page(
        console, made, signed_in_state, shots):
    admin = signed_in_state["admin"]
    console.goto(console.base + LOG)
    console.get_by_label("Event type").fill("user.session.start")
    console.get_by_label("Keywords").fill(admin.login)
    console.get_by_role("button", name="Search").click()
    rows = _rows(console)
    rows.first.wait_for()
    shots(console, "admin-sign-in")
    assert rows.count() >= 2  # the password step and the session after the second factor
    for i in range(rows.count()):
        text = rows.nth(i).inner_text()
        assert "User login to Okta" in text and "Success" in text
        actor = rows.nth(i).locator("td").nth(1).inner_text()
        assert admin.login in actor and "User" in actor and "Management API" not in actor
    events = _api_events(made["api"], q=admin.login, filter='eventType eq "user.session.start"')
    assert len(events) == rows.count()
    assert all(e["actor"]["alternateId"] == admin.login for e in events)

    # the whole log, and the app's and user's events: ids and names, never a secret
    never = [made["totp_key"], *made["client_secrets"], made["api"].api_token, PASSWORD, admin.secret]
    for params in ("", "?q=" + made["user"]["login"], "?q=" + made["app"]["id"]):
        console.goto(console.base + LOG + params)
        _rows(console).first.wait_for()
        html = console.content()
        for secret in never:
            assert secret not in html
    rotated = _rows(console).filter(has_text="application.client_secret.rotate")  # the app's page, last above
    assert rotated.count() == 1 and "Rotate client secret" in rotated.inner_text()
    assert "Log viewer app" in rotated.inner_text() and "Management API" in rotated.inner_text()


def test_a_bad_time_range_is_a_clear_error(console, shots):
    console.goto(console.base + LOG)
    console.get_by_label("Since (UTC)").fill("2024-05-02T10:00")
    console.get_by_label("Until (UTC)").fill("2024-05-01T10:00")
    with console.expect_response(lambda r: LOG in r.url) as answer:
        console.get_by_role("button", name="Search").click()
    assert answer.value.status == 400
    alert = console.get_by_role("alert")
    alert.wait_for()
    shots(console, "bad-range")
    assert "Some filters need attention." in alert.inner_text()
    assert "Until must be later than Since" in alert.inner_text()
    assert console.get_by_label("Since (UTC)").input_value() == "2024-05-02T10:00"  # kept for correction
    assert _rows(console).count() == 0

    r = console.goto(console.base + LOG + "?since=yesterday&outcome=MAYBE&after=not-a-cursor")
    assert r.status == 400
    text = console.get_by_role("alert").inner_text()
    assert "Since: “yesterday” is not a date and time" in text and "in UTC" in text
    assert "Outcome: choose Any" in text and "“Older events” link is not valid" in text
    assert console.get_by_role("heading", name="System Log").is_visible()


@pytest.fixture
def pager_users(console_server):
    """Fifty-two new staged users (one event each), deleted afterwards: other console tests share
    this server's directory."""
    api = console_server.api()
    tag = "pager" + secrets.token_hex(4)
    ids = []
    try:
        for i in range(52):
            r = api.http.post("/api/v1/users?activate=false", headers=api.ssws, json={"profile": {
                "login": f"{tag}-{i}@example.com", "email": f"{tag}-{i}@example.com",
                "firstName": f"P{i:02d}", "lastName": "Pager"}})
            assert r.status_code == 200, r.text
            ids.append(r.json()["id"])
        yield tag
    finally:
        for user_id in ids:
            for _ in range(2):  # deactivate, then delete
                r = api.http.delete(f"/api/v1/users/{user_id}", headers=api.ssws)
                assert r.status_code == 204, r.text


def test_pages_of_older_events_by_keyboard(console, console_server, pager_users, shots):
    """Fifty-two events make two pages; the search runs by keyboard."""
    api, tag = console_server.api(), pager_users
    console.goto(console.base + LOG)
    keywords = console.get_by_label("Keywords")
    keywords.focus()
    console.keyboard.type(tag)
    console.keyboard.press("Tab")
    assert console.evaluate("document.activeElement.id") == "log-type"  # next field in order
    console.keyboard.press("Shift+Tab")
    console.keyboard.press("Enter")
    console.wait_for_url(f"**q={tag}*")
    rows = _rows(console)
    rows.nth(49).wait_for()
    shots(console, "first-page")
    assert rows.count() == 50
    names = [rows.nth(i).locator("td").nth(3).inner_text().split("\n")[0] for i in range(50)]
    assert names == [f"P{i:02d} Pager" for i in range(51, 1, -1)]  # newest first

    console.get_by_role("link", name="Next: older events").click()
    console.wait_for_url("**after=*")
    console.get_by_role("link", name="Newest events").wait_for()
    shots(console, "older-page")
    assert [rows.nth(i).locator("td").nth(3).inner_text().split("\n")[0] for i in range(rows.count())] == [
        "P01 Pager", "P00 Pager"]
    assert console.get_by_role("link", name="Next: older events").count() == 0
    assert console.get_by_label("Keywords").input_value() == tag  # the filters travel with the cursor
    # the API pages the same events
    assert len(_api_events(api, q=tag)) == 52

    # nothing matches: the empty state
    keywords = console.get_by_label("Keywords")
    keywords.fill(tag + " no-such-word")
    keywords.press("Enter")
    console.get_by_text("No events match these filters.").wait_for()
    shots(console, "empty")
    assert _rows(console).count() == 0
