"""Directory › People › a person › Recovery code (R19): the administrator regenerates it; the new
code is shown once, in the answer to the form (no-store, never in the URL, never logged), the old
one stops working and the new one works once through Auth0's mfa-recovery-code grant."""
from __future__ import annotations

import json

from ..support import MFA_RECOVERY, db_rows


def _recover(api, client: dict, user: dict, code: str):
    return api.token(client, grant_type=MFA_RECOVERY, mfa_token=api.mfa_token(client, user), recovery_code=code)


def _card(console):
    return console.locator("section", has=console.get_by_role("heading", name="Recovery code", exact=True))


def test_regenerate_shows_the_new_code_once_and_only_it_works(console_server, console, shots):
    api = console_server.api()
    client = api.create_client()
    user = api.enrolled_user(client)  # Auth0's association: an authenticator app and its recovery code
    page_url = f"{console.base}/admin/directory/people/{user['id']}"
    console.goto(page_url)
    card = _card(console)
    card.wait_for()
    shots(console, "person-with-recovery-code")

    console.once("dialog", lambda d: d.accept())  # "Regenerate the recovery code of …?"
    with console.expect_response(lambda r: r.url.endswith("/recovery-code") and r.request.method == "POST") as info:
        card.get_by_role("button", name="Regenerate recovery code").click()
    answer = info.value
    assert answer.status == 200 and answer.headers["cache-control"] == "no-store"
    console.get_by_role("heading", name="New recovery code").wait_for()
    code = console.locator("#recovery-code").inner_text().strip()
    assert len(code) == 24 and code != user["recovery_code"]
    assert code not in console.url
    shots(console, "new-recovery-code")

    r = _recover(api, client, user, user["recovery_code"])
    assert r.status_code == 403 and r.json()["error_description"] == "Invalid recovery_code.", r.text
    r = _recover(api, client, user, code)
    assert r.status_code == 200, r.text
    r = _recover(api, client, user, code)
    assert r.status_code == 403, r.text

    # Shown once: the person's page does not show it again, and no log line holds it.
    console.goto(page_url)
    card.wait_for()
    assert console.locator("#recovery-code").count() == 0 and code not in console.content()
    assert code not in console_server.log_text()
    rows = db_rows(console_server, "SELECT detail FROM audit_events WHERE event_type = "
                                   f"'factor.recovery_code.regenerate' AND user_id = '{user['id']}'")
    assert len(rows) == 1 and code not in rows[0][0]
    assert json.loads(rows[0][0])["actor"]  # the administrator who acted


def test_no_regenerate_button_without_an_active_recovery_code(console_server, console):
    api = console_server.api()
    user = api.create_user()  # no factor, so no recovery code
    console.goto(f"{console.base}/admin/directory/people/{user['id']}")
    console.get_by_role("heading", name="Factors").wait_for()
    assert _card(console).count() == 0
    assert console.get_by_role("button", name="Regenerate recovery code").count() == 0
