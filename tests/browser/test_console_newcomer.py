"""The Admin Console as a newcomer first sees it (issue #10): the sign-in card in the middle with
its error banner no wider than it, the Dashboard's latest events, System Log targets whose
words are never broken mid-way. Screenshots at laptop and phone width."""
from __future__ import annotations

import secrets

from ..support import two_codes
from .conftest import LAPTOP, PHONE

# Every word of the text under `sel` that the layout split over two lines.
BROKEN_WORDS = """(sel) => {
  const broken = [];
  for (const cell of document.querySelectorAll(sel)) {
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      for (const m of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


def test_the_sign_in_card_is_centred_and_its_error_banner_no_wider_than_it(chromium, console_server, shots):
    context = chromium.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(console_server.base_url + "/admin/signin")
    page.get_by_label("Username").fill(f"nobody-{secrets.token_hex(4)}@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").get_by_text("Sign-in failed").wait_for()
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        width = page.evaluate("document.documentElement.clientWidth")
        card = page.locator("section.card").bounding_box()
        alert = page.get_by_role("alert").bounding_box()
        left, right = card["x"], width - card["x"] - card["width"]
        assert abs(left - right) <= 2, (size, left, right)  # was 368 px left, 582 px right at laptop width
        assert card["x"] - 1 <= alert["x"] and alert["x"] + alert["width"] <= card["x"] + card["width"] + 1, \
            (size, card, alert)
        assert alert["y"] + alert["height"] <= card["y"]  # above the card
    page.set_viewport_size(LAPTOP)
    shots(page, "signin-error")
    context.close()


def test_the_dashboard_shows_the_latest_events(console, console_server, shots):
    """It showed only a link to the System Log, though the log had events."""
    api = console_server.api()
    last = f"Eventsmith{secrets.token_hex(3)}"
    r = api.http.post("/api/v1/users?activate=true", headers=api.ssws, json={"profile": {
        "login": f"{last.lower()}@example.com", "email": f"{last.lower()}@example.com", "firstName": "Recent",
        "lastName": last}})
    assert r.status_code == 200, r.text
    newest = api.http.get("/api/v1/logs", headers=api.ssws, params={"sortOrder": "DESCENDING", "limit": "1"}).json()
    assert newest[0]["eventType"] == "user.lifecycle.create"

    console.goto(console.base + "/admin/")
    table = console.get_by_role("table", name="Recent events")
    rows = table.locator("tbody tr")
    assert 1 <= rows.count() <= 8
    first = rows.first.inner_text()
    assert newest[0]["displayMessage"] in first and f"Recent {last}" in first, first
    assert console.get_by_role("link", name="Open the System Log").get_attribute("href") == "/admin/reports/system-log"
    shots(console, "dashboard-recent-events")


def test_system_log_targets_never_break_a_word(console, console_server, shots):
    """Target types such as AuthenticatorEnrollment were split mid-word at laptop width."""
    api = console_server.api()
    user = api.create_user()
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": "token:software:totp", "provider": "GOOGLE"})
    assert r.status_code == 200, r.text
    first, _ = two_codes(r.json()["_embedded"]["activation"]["sharedSecret"])
    assert api.http.post(r.json()["_links"]["activate"]["href"], headers=api.ssws,
                         json={"passCode": first}).status_code == 200

    console.goto(console.base + f"/admin/reports/system-log?q={user['login']}")
    targets = 'table.log td[data-label="Targets"]'
    assert "AuthenticatorEnrollment" in " ".join(console.locator(targets).all_inner_texts())
    for size in (LAPTOP, PHONE):
        console.set_viewport_size(size)
        assert console.evaluate(BROKEN_WORDS, targets) == [], size
    console.set_viewport_size(LAPTOP)
    shots(console, "system-log-targets")
