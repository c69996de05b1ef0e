"""Signing in to the Admin Console (R30, R31, R39, R68): password and TOTP through the same
verifier as every other path, CSRF, no secret in a URL, sign-out."""
from __future__ import annotations

import httpx

from ..support import csrf_of, two_codes, wrong_code
from .conftest import LAPTOP, new_admin


def test_first_sign_in_enrolls_an_authenticator_then_signs_in_with_it(chromium, console_server, shots):
    admin = new_admin(console_server)
    context = chromium.new_context(viewport=LAPTOP)
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.goto(console_server.base_url + "/admin/security/authenticators")
    assert "/admin/signin" in page.url  # not signed in: the sign-in page, remembering where to go
    shots(page, "signin")
    page.get_by_label("Username").fill(admin.login)
    page.get_by_label("Password").fill(admin.password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up an authenticator app").wait_for()
    page.get_by_role("button", name="Set up").click()
    admin.secret = page.locator("#shared-secret").inner_text().strip()
    shots(page, "signin-enroll")
    first, second = two_codes(admin.secret)
    page.get_by_label("Enter code").fill(wrong_code(admin.secret))
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("alert").get_by_text("That code is not right").wait_for()
    assert page.locator("#shared-secret").inner_text().strip() == admin.secret  # the QR stays to retry
    page.get_by_label("Enter code").fill(first)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/admin/security/authenticators")
    # The key and codes were in pages and POST bodies only, never in a URL (R39).
    assert not any(admin.secret in u or first in u for u in urls)

    # Signed out, the next sign-in asks for a code of the enrolled app; a replay is refused (R1).
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()
    page.get_by_label("Username").fill(admin.login)
    page.get_by_label("Password").fill(admin.password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Verify with your authenticator app").wait_for()
    shots(page, "signin-verify")
    page.get_by_label("Enter code").fill(first)
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("alert").get_by_text("already used").wait_for()
    page.get_by_label("Enter code").fill(second)
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name="Dashboard").wait_for()
    shots(page, "dashboard")
    context.close()


def test_wrong_password_and_non_admins_get_one_answer(chromium, console_server):
    api = console_server.api()
    user = api.create_user()  # a valid user who is not an administrator
    context = chromium.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(console_server.base_url + "/admin/signin")
    for login, password in ((user["profile"]["login"], "correct-horse-battery-9"), (user["profile"]["login"], "nope")):
        page.get_by_label("Username").fill(login)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("alert").get_by_text("Sign-in failed").wait_for()
        assert "/admin/signin" in page.url
    context.close()


def test_console_refuses_forms_without_the_csrf_token_and_pages_without_a_session(console_server, console):
    base = console_server.base_url
    cookies = {c["name"]: c["value"] for c in console.context.cookies()}
    with httpx.Client(base_url=base, cookies=cookies, follow_redirects=False) as http:
        assert http.get("/admin/").status_code == 200  # the session cookie alone opens pages
        r = http.post("/admin/signout", data={"csrf": "forged"}, headers={"Origin": base})
        assert r.status_code == 303 and r.headers["location"] == "/admin/"  # refused: still signed in
        assert http.get("/admin/").status_code == 200
    r = httpx.get(base + "/admin/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/signin")
    page = httpx.get(base + "/admin/signin")
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_sign_in_with_a_code_after_enrolling_through_the_api_of_the_same_factor(chromium, console_server):
    """A factor is one factor: an admin whose TOTP was enrolled through the Okta API signs in
    to the console with it."""
    api = console_server.api()
    admin = new_admin(console_server)
    user = httpx.get(f"{console_server.base_url}/api/v1/users/{admin.login}", headers=api.ssws).json()
    r = httpx.post(f"{console_server.base_url}/api/v1/users/{user['id']}/factors", headers=api.ssws,
                   json={"factorType": "token:software:totp", "provider": "GOOGLE"})
    assert r.status_code == 200, r.text
    factor = r.json()
    secret = factor["_embedded"]["activation"]["sharedSecret"]
    first, second = two_codes(secret)
    r = httpx.post(f"{console_server.base_url}/api/v1/users/{user['id']}/factors/{factor['id']}/lifecycle/activate",
                   headers=api.ssws, json={"passCode": first})
    assert r.status_code == 200, r.text
    admin.secret = secret
    context = chromium.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(console_server.base_url + "/admin/signin")
    page.get_by_label("Username").fill(admin.login)
    page.get_by_label("Password").fill(admin.password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Enter code").fill(second)
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name="Dashboard").wait_for()
    context.close()


def test_every_console_form_refuses_a_post_without_its_csrf_token(console_server, console):
    """Each POST route of the console, called with a valid session but a forged or missing
    token, or from another site, is refused before it reaches a service."""
    import re

    from starlette.routing import Route

    from twofold.dialects import console as console_dialect

    base = console_server.base_url
    cookies = {c["name"]: c["value"] for c in console.context.cookies()}
    modules = [getattr(console_dialect, m) for m in ("signin", "home", "authenticators", "api", "applications",
                                                     "people", "system_log")]
    posts = [r.path for m in modules for r in m.router.routes if isinstance(r, Route) and "POST" in r.methods]
    assert len(posts) >= 15, posts
    with httpx.Client(base_url=base, cookies=cookies, follow_redirects=False) as http:
        page = http.get("/admin/")
        token = csrf_of(page)
        for path in posts:
            url = re.sub(r"\{[^}]+\}", "x", path)
            for data, headers in (({}, {"Origin": base}), ({"csrf": "forged"}, {"Origin": base}),
                                  ({"csrf": token}, {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})):
                r = http.post(url, data=data, headers=headers)
                if path.startswith("/admin/sign"):  # no session change: back to where it came from
                    assert r.status_code in (303, 403), (path, r.status_code)
                    assert http.get("/admin/").status_code == 200, path  # still signed in
                else:
                    assert r.status_code == 403 and "This form expired" in r.text, (path, data, r.status_code)


def test_first_sign_in_when_no_authenticator_app_may_be_enrolled_says_so(console_server):
    """An administrator without a factor, in an org whose enrollment policy allows no
    authenticator app, gets a clear refusal on the set-up page (and no session)."""
    from ..support import default_enroll_policy, put_enroll_modes
    from .conftest import new_admin

    api = console_server.api()
    admin = new_admin(console_server)
    policy = default_enroll_policy(api)
    before = {e["key"]: e["enroll"]["self"] for e in policy["settings"]["authenticators"]}
    assert put_enroll_modes(api, policy, google_otp="NOT_ALLOWED", okta_verify="NOT_ALLOWED").status_code == 200
    try:
        base = console_server.base_url
        with httpx.Client(base_url=base, follow_redirects=False, headers={"Origin": base}) as http:
            page = http.get("/admin/signin")
            csrf = csrf_of(page)
            r = http.post("/admin/signin", data={"csrf": csrf, "username": admin.login, "password": admin.password})
            intro = http.get(r.headers["location"])
            csrf = csrf_of(intro)
            r = http.post("/admin/signin/factor", data={"csrf": csrf, "action": "enroll"})
            assert r.status_code == 400 and "This authenticator cannot be enrolled." in r.text
            assert 'id="shared-secret"' not in r.text
            assert http.get("/admin/").status_code == 303  # not signed in
    finally:
        assert put_enroll_modes(api, default_enroll_policy(api), **before).status_code == 200


def test_unknown_console_paths_answer_with_a_page_not_json(console_server, console):
    cookies = {c["name"]: c["value"] for c in console.context.cookies()}
    with httpx.Client(base_url=console_server.base_url, cookies=cookies) as http:
        r = http.get("/admin/no/such/page")
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert "This page does not exist." in r.text and r.headers["cache-control"] == "no-store"
        r = http.get("/admin/static/../../twofold.db")
        assert r.status_code == 404


def test_no_console_page_answers_500_to_odd_input(console_server, console):
    """Every GET page of the console, with unknown ids and odd query values, answers with a page
    (200, 303, 400 or 404), never a 500."""
    import re

    from starlette.routing import Route

    from twofold.dialects import console as console_dialect

    modules = [getattr(console_dialect, m) for m in ("signin", "home", "authenticators", "api", "applications",
                                                     "people", "system_log")]
    gets = [r.path for m in modules for r in m.router.routes if isinstance(r, Route) and "GET" in r.methods]
    odd = ["?q=%ff%fe", "?after=zz%20zz&limit=-1&q=" + "a" * 5000, "?since=yesterday&until=1e9&outcome=MAYBE",
           "?policy=nope&next=//evil.example", "?done=unknown-key&filter=eventType%20eq%20%22x"]
    cookies = {c["name"]: c["value"] for c in console.context.cookies()}
    with httpx.Client(base_url=console_server.base_url, cookies=cookies, follow_redirects=False) as http:
        for path in gets:
            for ident in ("x", "00u0000000000000000x", "%E2%80%AE"):
                url = re.sub(r"\{[^}]+\}", ident, path)
                for query in odd:
                    r = http.get(url + query)
                    assert r.status_code in (200, 303, 400, 404), (url + query, r.status_code)


def test_an_odd_csrf_token_is_refused_not_an_error(console_server):
    """A token with non-ASCII characters is a wrong token (403 page), before and after sign-in."""
    base = console_server.base_url
    with httpx.Client(base_url=base, follow_redirects=False, headers={"Origin": base}) as http:
        http.get("/admin/signin")  # the browser cookie
        r = http.post("/admin/signin", data={"csrf": "é", "username": "x", "password": "y"})
        assert r.status_code == 403 and "This form expired" in r.text
        http.cookies.set("twofold_console", "z" * 43, domain="127.0.0.1", path="/admin")
        for path in ("/admin/signin/factor", "/admin/signout"):
            r = http.post(path, data={"csrf": "é"})
            assert r.status_code == 303, (path, r.status_code)
