"""The Admin Console over plain HTTP (issue #10, a newcomer's first hour): a form too large is
refused as such, not as an expired one; browsers find a favicon."""
from __future__ import annotations

import httpx
import pytest

from ..support import csrf_of

SIZE_ERROR = "The form was too large to accept."
CSRF_ERROR = "This form expired or was sent from another site."


def _browser(server) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"Origin": server.base_url}, timeout=30)


def _csrf(http: httpx.Client) -> str:
    """The sign-in form's token (bound to the browser cookie this GET sets)."""
    page = http.get("/admin/signin")
    assert page.status_code == 200
    return csrf_of(page)


@pytest.mark.parametrize("field, size", [("username", 5_000), ("password", 70_000)])
def test_an_oversized_sign_in_form_with_a_valid_csrf_token_is_a_size_error(server, field, size):
    """R56 in the console: a field over its limit (4096) or a body over TWOFOLD_MAX_BODY_BYTES
    (64 KiB), with the right CSRF token, is 413 from the console's catalogue in the sign-in page;
    it was 403 "This form expired…", which sent the reader looking for a cookie problem."""
    with _browser(server) as http:
        csrf = _csrf(http)
        form = {"csrf": csrf, "username": "ada@example.com", "password": "correct-horse-battery", "next": "/admin/"}
        r = http.post("/admin/signin", data={**form, field: "x" * size})
        assert r.status_code == 413, r.text[:300]
        assert r.headers["content-type"].startswith("text/html")
        assert SIZE_ERROR in r.text and CSRF_ERROR not in r.text
        assert 'role="alert"' in r.text and 'action="/admin/signin"' in r.text  # the page to try again from
        # The same form at a normal size goes on to the password check (a wrong one here).
        r = http.post("/admin/signin", data=form)
        assert r.status_code == 401 and "Sign-in failed" in r.text


def test_a_sign_in_form_with_a_wrong_csrf_token_is_still_refused_as_expired(server):
    with _browser(server) as http:
        _csrf(http)
        r = http.post("/admin/signin", data={"csrf": "forged", "username": "x" * 5_000, "password": "p"})
        assert r.status_code == 413  # what cannot be read is not checked further
        r = http.post("/admin/signin", data={"csrf": "forged", "username": "ada@example.com", "password": "p"})
        assert r.status_code == 403 and CSRF_ERROR in r.text


def test_favicon_is_served_and_linked_without_any_external_fetch(server):
    r = httpx.get(server.base_url + "/favicon.ico")
    assert r.status_code == 200, r.status_code
    assert r.headers["content-type"] == "image/svg+xml"
    assert r.text.startswith("<svg") and "http://www.w3.org/2000/svg" in r.text
    assert "href=" not in r.text and "<script" not in r.text  # no external fetch, nothing active
    assert r.headers["x-content-type-options"] == "nosniff"
    page = httpx.get(server.base_url + "/admin/signin")
    assert '<link rel="icon" href="/favicon.ico" type="image/svg+xml">' in page.text
