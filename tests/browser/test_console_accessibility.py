"""Every page of the Admin Console, at laptop and phone width, checked by axe-core (the
accessibility engine browsers' developer tools use, from npm, run inside Debian's chromium):
no serious or critical WCAG 2.1 A/AA violation (labels, names, contrast, landmarks, ARIA)."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from .conftest import LAPTOP, PHONE

AXE = Path(__file__).resolve().parent.parent / "node" / "node_modules" / "axe-core" / "axe.min.js"

PAGES = [
    "/admin/", "/admin/?period=7d", "/admin/security/authenticators", "/admin/security/authenticators/add",
    "/admin/security/authenticators/enrollment", "/admin/security/api", "/admin/security/api/servers/default",
    "/admin/security/api/servers/default/policies", "/admin/security/api/tokens", "/admin/applications",
    "/admin/applications/new", "/admin/directory/people", "/admin/reports/system-log", "/admin/reports/outbox",
]


def _violations(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target)}));
    }""")
    return result


def _dialog_pages(page) -> list[str]:
    """The dialogs reached by links from the list pages (a rule's Edit Rule, a policy's edit,
    an app, a person), whose ids differ per server."""
    urls = []
    page.goto(page.base + "/admin/security/api/servers/default/policies")
    urls.append(page.get_by_role("link", name="Edit rule Default Policy Rule").get_attribute("href"))
    page.goto(page.base + "/admin/security/authenticators/enrollment")
    urls.append(page.get_by_role("link", name="Edit Default Policy").get_attribute("href"))
    page.goto(page.base + "/admin/directory/people")
    urls.append(page.locator("main table a").first.get_attribute("href"))
    page.goto(page.base + "/admin/security/authenticators")
    for name in ("Edit Phone", "Edit Email", "Edit Google Authenticator"):
        urls.append(page.get_by_role("link", name=name).get_attribute("href"))
    return urls


@pytest.fixture
def audited(chromium, console_server, signed_in_state):
    """A signed-in page whose context lets axe's injected script run: the console's own CSP
    (no inline script) would refuse it, as it should refuse anyone's."""
    context = chromium.new_context(viewport=LAPTOP, storage_state=signed_in_state["state"], bypass_csp=True)
    page = context.new_page()
    page.base = console_server.base_url
    yield page
    context.close()


@pytest.mark.parametrize("width", ["laptop", "phone"])
def test_every_console_page_passes_axe(audited, console_server, width):
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/test, which installs tests/node (npm ci)")
    api = console_server.api()
    api.create_client()  # at least one app, so the app page is checked too
    person = api.create_user()  # with an SMS factor: its masked number and Show, and a message in the Outbox
    r = api.http.post(f"/api/v1/users/{person['id']}/factors", headers=api.ssws, json={
        "factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": f"+1650555{secrets.randbelow(8000) + 2000}"}})
    assert r.status_code == 200, r.text
    page = audited
    if width == "phone":
        page.set_viewport_size(PHONE)
    urls = PAGES + _dialog_pages(page) + [f"/admin/directory/people/{person['id']}"]
    page.goto(page.base + "/admin/applications")
    urls.append(page.locator("main table a").first.get_attribute("href"))
    found = {}
    for url in urls:
        page.goto(page.base + url)
        violations = _violations(page)
        if violations:
            found[url] = violations
    assert not found, json.dumps(found, indent=1)


def test_the_recovery_code_card_and_a_new_code_pass_axe(audited, console_server):
    """A person with a recovery code (a card of its own) and the page that shows a new one once:
    both reached only with such a person, so the sweep above does not see them."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/test, which installs tests/node (npm ci)")
    api = console_server.api()
    user = api.enrolled_user(api.create_client())
    page = audited
    page.goto(f"{page.base}/admin/directory/people/{user['id']}")
    assert _violations(page) == []
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Regenerate recovery code").click()
    page.get_by_role("heading", name="New recovery code").wait_for()
    assert _violations(page) == []
