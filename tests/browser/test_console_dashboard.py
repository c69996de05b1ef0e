"""The dashboard's activity charts (issue #13): after an Okta factor is verified wrongly and
rightly and an SMS code is sent, the last 24 hours show them in their charts (server-rendered
SVG, no script, nothing from a CDN), the numbers behind each chart are in a table, the
7-day view switches by a link, and on a phone the charts fit the screen."""
from __future__ import annotations

import secrets

import pytest

from .conftest import PHONE, user_who_verified_totp_wrongly_then_rightly


@pytest.fixture(scope="module")
def activity(console_server):
    api = console_server.api()
    user, _ = user_who_verified_totp_wrongly_then_rightly(api)
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws, json={
        "factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": f"+1650555{secrets.randbelow(8000) + 2000}"}})
    assert r.status_code == 200, r.text  # enrolling sends the first code
    return user


def _chart(page, title: str):
    return page.locator("section.chart").filter(has=page.get_by_role("heading", name=title))


def _total(page, title: str) -> int:
    return int(_chart(page, title).locator(".chart-total").inner_text())


def test_the_last_24_hours_chart_the_verifications_and_the_code_sent(console, activity, shots):
    console.goto(console.base + "/admin/")
    assert console.get_by_role("link", name="Last 24 hours").get_attribute("aria-current") == "page"
    assert _total(console, "Second-factor successes by factor") >= 1
    assert _total(console, "Second-factor failures by factor") >= 1
    assert _total(console, "Codes sent by channel") >= 1
    failures = _chart(console, "Second-factor failures by factor")
    assert failures.get_by_role("img").count() == 1  # the SVG, named by its <title>
    assert "otp" in failures.locator(".legend").inner_text()
    failures.get_by_text("Show the numbers").click()
    last_row = failures.locator("tbody tr").last
    assert int(last_row.locator("td").first.inner_text()) >= 1  # this hour's failure
    assert console.locator("script[src^='http'], link[href^='http']").count() == 0
    shots(console, "dashboard-24h")

    console.get_by_role("link", name="Last 7 days").click()
    assert console.get_by_role("link", name="Last 7 days").get_attribute("aria-current") == "page"
    assert _chart(console, "Codes sent by channel").locator("tbody tr").count() == 7
    assert _total(console, "Second-factor successes by factor") >= 1


def test_on_a_phone_the_charts_fit_the_screen(console, activity):
    console.set_viewport_size(PHONE)
    console.goto(console.base + "/admin/")
    overflow = console.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    box = _chart(console, "Codes sent by channel").locator("svg").first.bounding_box()
    assert box["width"] <= PHONE["width"] and box["height"] > 40
