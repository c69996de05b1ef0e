"""Browser tests of the Admin Console: the `playwright` package drives Debian's chromium
(installed by scripts/test; Playwright never downloads a browser here) against a real
`twofold serve` process on SQLite and on PostgreSQL. Each test saves screenshots of the pages
it visits, at laptop and phone size, under test-output/screenshots/<backend>/."""
from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import OUTPUT, Server
from ..support import two_codes, wrong_code
from ..support import PASSWORD, fresh_code

LAPTOP = {"width": 1366, "height": 850}
PHONE = {"width": 390, "height": 844}
SHOTS = OUTPUT / "screenshots"
# As the machine's notes advise: headless, no sandbox as root, and no background networking
# (this machine's network is closed; chromium's own calls home would only fail).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def chromium():
    """One browser per test module, closed with it: the sync API runs an event loop of its own
    in this thread, which must be gone before the async tests of other modules run."""
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("Debian's chromium is missing: run scripts/test, which installs it")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Admin:
    login: str
    password: str
    secret: str = ""  # the TOTP key, once enrolled through the console


def grant_admin(server: Server, login: str) -> None:
    subprocess.run([sys.executable, "-m", "twofold", "admins", "grant", "--login", login], env=server.env,
                   cwd=str(server.data_dir), check=True, capture_output=True, timeout=60)


def new_admin(server: Server) -> Admin:
    login = f"admin-{secrets.token_hex(4)}@example.com"
    server.api().create_user(login)  # a user like any other, then given the role
    grant_admin(server, login)
    return Admin(login, PASSWORD)


@pytest.fixture(scope="session")
def console_server(backend, make_server) -> Server:
    """A server of its own: console tests change the org's policies and must not disturb the
    API tests' shared server."""
    return make_server(backend)


class Shots:
    """Screenshots of each console page a test visits, at laptop and phone width."""

    def __init__(self, backend: str, test_name: str) -> None:
        self.dir = SHOTS / backend
        self.dir.mkdir(parents=True, exist_ok=True)
        self.prefix = re.sub(r"[^A-Za-z0-9_-]+", "_", test_name)[:60]
        self.count = 0

    def __call__(self, page, name: str, *, phone: bool = True) -> Path:
        self.count += 1
        stem = f"{self.prefix}-{self.count:02d}-{re.sub(r'[^A-Za-z0-9_-]+', '_', name)}"
        path = self.dir / f"{stem}.png"
        page.screenshot(path=str(path), full_page=True)
        if phone:
            size = page.viewport_size
            page.set_viewport_size(PHONE)
            page.screenshot(path=str(self.dir / f"{stem}-phone.png"), full_page=True)
            page.set_viewport_size(size)
        return path


@pytest.fixture
def shots(request, backend) -> Shots:
    return Shots(backend, request.node.name)


def sign_in(page, server: Server, admin: Admin) -> None:
    """Through the sign-in pages: password, then the authenticator app (enrolled at the first
    sign-in; its key is read from the page, its code computed by oathtool)."""
    page.goto(server.base_url + "/admin/")
    page.get_by_label("Username").fill(admin.login)
    page.get_by_label("Password").fill(admin.password)
    page.get_by_role("button", name="Sign in").click()
    if not admin.secret:
        page.get_by_role("button", name="Set up").click()
        admin.secret = page.locator("#shared-secret").inner_text().strip()
    page.get_by_label("Enter code").fill(fresh_code(admin.secret))
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


@pytest.fixture(scope="session")
def _signed_in() -> dict:
    return {}


@pytest.fixture
def signed_in_state(console_server, chromium, _signed_in) -> dict:
    """One administrator signed in once per server; each test opens a new browser context with
    that session's cookie (a TOTP code is single-use, so signing in per test would have to
    wait for new steps)."""
    if console_server.base_url not in _signed_in:
        admin = new_admin(console_server)
        context = chromium.new_context(viewport=LAPTOP)
        page = context.new_page()
        sign_in(page, console_server, admin)
        _signed_in[console_server.base_url] = {"state": context.storage_state(), "admin": admin}
        context.close()
    return _signed_in[console_server.base_url]


@pytest.fixture
def console(chromium, console_server, signed_in_state):
    """A signed-in page at laptop size; `console.base` is the server's URL."""
    context = chromium.new_context(viewport=LAPTOP, storage_state=signed_in_state["state"])
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = console_server.base_url
    yield page
    context.close()


def tab_to(page, test: str, limit: int = 80) -> None:
    """Press Tab until the focused element passes `test` (a JS expression over `el`); fail if
    it never does, so a keyboard path that breaks cannot pass."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({test}); }})()"):
            return
    pytest.fail(f"Tab never reached: {test}")


def user_who_verified_totp_wrongly_then_rightly(api) -> tuple[dict, str]:
    """A new user who enrolls Google Authenticator through the Factors API and verifies once
    wrongly and once rightly: (the user, the factor's key). Audit rows for the System Log and
    the dashboard's charts."""
    user = api.create_user()
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": "token:software:totp", "provider": "GOOGLE"})
    assert r.status_code == 200, r.text
    factor = r.json()
    totp_key = factor["_embedded"]["activation"]["sharedSecret"]
    first, second = two_codes(totp_key)
    assert api.http.post(factor["_links"]["activate"]["href"], headers=api.ssws,
                         json={"passCode": first}).status_code == 200
    verify = f"/api/v1/users/{user['id']}/factors/{factor['id']}/verify"
    assert api.http.post(verify, headers=api.ssws, json={"passCode": wrong_code(totp_key)}).status_code == 403
    assert api.http.post(verify, headers=api.ssws, json={"passCode": second}).status_code == 200
    return user, totp_key
