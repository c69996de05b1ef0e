"""Okta Users API over HTTP (reference B.0, B.6): get by id or login, list with q / filter /
pagination, partial update and full replace, password change, every lifecycle transition with
its refusals, unlock of both lockouts, reset_factors and the two-step delete, on SQLite and
PostgreSQL. Every test makes its own users."""
from __future__ import annotations

import re
import secrets
import time
from urllib.parse import quote

import pytest

from ..support import db_rows, link_headers, okta_error, PASSWORD, wrong_code

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
MAX_FAILURES = 10


def _create(api, login: str | None = None, *, password: str | None = PASSWORD, activate: bool = True,
            **profile) -> dict:
    login = login or f"ou-{secrets.token_hex(5)}@example.com"
    body: dict = {"profile": {"firstName": "Ada", "lastName": "Lovelace", "email": login, "login": login, **profile}}
    if password is not None:
        body["credentials"] = {"password": {"value": password}}
    r = api.http.post(f"/api/v1/users?activate={'true' if activate else 'false'}", headers=api.ssws, json=body)
    assert r.status_code == 200, r.text
    return {**r.json(), "login": login, "password": password}


def _user(api, id_or_login: str):
    return api.http.get(f"/api/v1/users/{quote(id_or_login, safe='')}", headers=api.ssws)


def _lifecycle(api, user_id: str, operation: str, query: str = ""):
    return api.http.post(f"/api/v1/users/{user_id}/lifecycle/{operation}{query}", headers=api.ssws)


def _status(api, user_id: str) -> str:
    r = _user(api, user_id)
    assert r.status_code == 200, r.text
    return r.json()["status"]


def _list(api, **params):
    r = api.http.get("/api/v1/users", headers=api.ssws, params=params)
    assert r.status_code == 200, r.text
    return r


def _ids(r) -> list[str]:
    return [u["id"] for u in r.json()]


def _prefix() -> str:
    return "pf" + secrets.token_hex(4)


# --- authentication and rate limits -----------------------------------------------------------

@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v1/users"), ("GET", "/api/v1/users/00u0000000000000000x"),
    ("POST", "/api/v1/users/00u0000000000000000x"), ("PUT", "/api/v1/users/00u0000000000000000x"),
    ("DELETE", "/api/v1/users/00u0000000000000000x"),
    ("POST", "/api/v1/users/00u0000000000000000x/lifecycle/suspend"),
    ("POST", "/api/v1/users/00u0000000000000000x/lifecycle/unlock"),
])
def test_no_token_is_e0000011(api, method, path):
    r = api.http.request(method, path, json={} if method in ("POST", "PUT") else None)
    body = okta_error(r, 401, "E0000011", "Invalid token provided")
    assert body["errorCauses"] == []


def test_rate_limit_headers_on_answers_and_refusals(api):
    user = _create(api)
    for r in (_user(api, user["id"]), _list(api, q=user["login"]), _user(api, "00uNoSuchUser0000000"),
              _lifecycle(api, user["id"], "unlock")):
        limit, remaining, reset = (r.headers.get(h) for h in
                                   ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"))
        assert limit and remaining and reset, r.headers
        assert int(limit) >= int(remaining) >= 0 and int(reset) > time.time() - 1


# --- get ----------------------------------------------------------------------------------------

def test_get_by_id_and_by_login(api, server):
    user = _create(api, mobilePhone="555-415-1337", nickName="ada")
    r = _user(api, user["id"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    got = r.json()
    assert got["id"] == user["id"] and re.fullmatch(r"00u[0-9A-Za-z]{17}", got["id"])
    assert got["status"] == "ACTIVE" and got["profile"]["login"] == user["login"]
    assert got["profile"]["mobilePhone"] == "555-415-1337" and got["profile"]["nickName"] == "ada"
    assert got["credentials"] == {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}}
    assert got["_links"]["self"]["href"] == f"{server.issuer}api/v1/users/{user['id']}"
    for key in ("created", "activated", "statusChanged", "lastUpdated", "passwordChanged"):
        assert ISO_MS.match(got[key]), (key, got[key])
    assert PASSWORD not in r.text
    # By login (URL-encoded), in any case.
    for name in (user["login"], user["login"].upper()):
        r = _user(api, name)
        assert r.status_code == 200 and r.json()["id"] == user["id"], r.text


def test_get_unknown_user(api):
    okta_error(_user(api, "00uNoSuchUser0000000"), 404, "E0000007",
                "Not found: Resource not found: 00uNoSuchUser0000000 (User)")
    okta_error(_user(api, "nobody-here@example.com"), 404, "E0000007",
                "Not found: Resource not found: nobody-here@example.com (User)")


# --- list, search, pagination --------------------------------------------------------------------

def test_q_matches_prefix_of_names_email_and_login(api):
    p = _prefix()
    by_login = _create(api, f"{p}-login@example.com")
    by_first = _create(api, firstName=f"{p.upper()}First")
    by_last = _create(api, lastName=f"{p}Last")
    by_email = _create(api, email=f"{p}.mail@example.com")
    _create(api, firstName=f"x{p}")  # contains the prefix, does not start with it
    got = set(_ids(_list(api, q=p)))
    assert got == {by_login["id"], by_first["id"], by_last["id"], by_email["id"]}
    assert set(_ids(_list(api, q=p.upper()))) == got  # case-insensitive
    assert _list(api, q=p + "-nothing").json() == []
    # LIKE wildcards in q are literal characters.
    assert _list(api, q=p[:2] + "%" + p[3:]).json() == []
    assert _list(api, q="_" + p[1:]).json() == []


def test_pagination_follows_link_next_to_the_end(api):
    p = _prefix()
    made = {_create(api, f"{p}-{i}@example.com")["id"] for i in range(5)}
    one_page = _ids(_list(api, q=p))  # id order, in the database's collation
    assert set(one_page) == made
    r = _list(api, q=p, limit=2)
    links = link_headers(r)
    assert links["self"].startswith(f"{api.issuer}api/v1/users?") and "limit=2" in links["self"]
    pages, seen = [], []
    while True:
        pages.append(len(r.json()))
        seen += _ids(r)
        links = link_headers(r)
        assert "self" in links
        if "next" not in links:
            break
        assert f"after={seen[-1]}" in links["next"] and "limit=2" in links["next"]
        r = api.http.get(links["next"], headers=api.ssws)  # the absolute URL, as the SDKs do
        assert r.status_code == 200, r.text
        assert len(pages) < 10
    assert pages == [2, 2, 1]
    assert seen == one_page  # the same order, none twice, none missing
    # A page that is exactly full has no `next` when nothing follows.
    r = _list(api, q=p, limit=5)
    assert _ids(r) == one_page and "next" not in link_headers(r)
    # `after` alone continues from a cursor; the default limit is 200.
    r = _list(api, q=p, after=one_page[2])
    assert _ids(r) == one_page[3:] and "limit=200" in link_headers(r)["self"]
    assert "limit=200" in link_headers(_list(api, q=p, limit=1000))["self"]  # larger limits get the maximum


def test_filter_forms(api):
    p = _prefix()
    users = [_create(api, f"{p}-{i}@example.com") for i in range(4)]
    staged = _create(api, f"{p}-staged@example.com", activate=False)
    everyone = {u["id"] for u in users} | {staged["id"]}

    def ids(filter_):
        return set(_ids(_list(api, q=p, filter=filter_)))

    assert ids('status eq "STAGED"') == {staged["id"]}
    assert ids('status eq "ACTIVE"') == everyone - {staged["id"]}
    assert ids(f'profile.login eq "{users[1]["login"].upper()}"') == {users[1]["id"]}
    assert ids(f'profile.email eq "{users[2]["login"]}"') == {users[2]["id"]}
    assert ids(f'id eq "{users[3]["id"]}"') == {users[3]["id"]}
    assert ids(f'id eq "{users[0]["id"]}" or id eq "{users[3]["id"]}"') == {users[0]["id"], users[3]["id"]}
    assert ids(f'status eq "ACTIVE" and profile.login eq "{staged["login"]}"') == set()
    assert ids(f'status eq "STAGED" or profile.login eq "{users[0]["login"]}" and status eq "ACTIVE"') == \
        {staged["id"], users[0]["id"]}  # `and` binds tighter than `or`
    # Times: creations are at least an argon2 hash apart, so the milliseconds differ.
    pivot = users[2]["created"]
    assert ids(f'created gt "{pivot}"') == {users[3]["id"], staged["id"]}
    assert ids(f'created ge "{pivot}"') == {users[2]["id"], users[3]["id"], staged["id"]}
    assert ids(f'created lt "{pivot}"') == {users[0]["id"], users[1]["id"]}
    assert ids(f'created le "{pivot}"') == {users[0]["id"], users[1]["id"], users[2]["id"]}
    assert ids('lastUpdated gt "2013-06-01T00:00:00.000Z"') == everyone
    assert ids('lastUpdated lt "2013-06-01T00:00:00.000Z"') == set()
    r = api.http.post(f"/api/v1/users/{users[0]['id']}", headers=api.ssws, json={"profile": {"nickName": "x"}})
    assert r.status_code == 200, r.text
    assert ids(f'lastUpdated ge "{r.json()["lastUpdated"]}"') >= {users[0]["id"]}
    assert users[1]["id"] not in ids(f'lastUpdated ge "{r.json()["lastUpdated"]}"')
    # Without q the filter alone selects, in SQL, across all users.
    assert _ids(_list(api, filter=f'profile.login eq "{users[1]["login"]}"')) == [users[1]["id"]]


@pytest.mark.parametrize("filter_", [
    "", "status", 'status eq', 'status eq ACTIVE', 'status eq "active-ish"', 'status ne "ACTIVE"',
    'nickName eq "x"', 'profile.login sw "a"', 'created gt "yesterday"', 'status eq "ACTIVE" and',
    '(status eq "ACTIVE"', 'status eq "ACTIVE" status eq "STAGED"', 'status eq "ACTIVE" ; drop table users',
    "'status' eq 'ACTIVE'", 'id gt "00u"',
])
def test_bad_filter_is_e0000031(api, filter_):
    r = api.http.get("/api/v1/users", headers=api.ssws, params={"filter": filter_})
    okta_error(r, 400, "E0000031", "Invalid search criteria.")


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1.5"])
def test_bad_limit_is_e0000001(api, limit):
    okta_error(api.http.get("/api/v1/users", headers=api.ssws, params={"limit": limit}), 400, "E0000001")


# --- update and replace --------------------------------------------------------------------------

def test_partial_update_changes_only_given_fields(api):
    user = _create(api, mobilePhone="555-0100", nickName="ada", title="Countess")
    time.sleep(0.01)
    r = api.http.post(f"/api/v1/users/{user['id']}", headers=api.ssws,
                      json={"profile": {"firstName": "Augusta", "title": None, "department": "Math"}})
    assert r.status_code == 200, r.text
    got = r.json()["profile"]
    assert got["firstName"] == "Augusta" and got["department"] == "Math" and got.get("title") is None
    assert got["lastName"] == "Lovelace" and got["mobilePhone"] == "555-0100" and got["nickName"] == "ada"
    assert got["login"] == user["login"]
    assert r.json()["lastUpdated"] > user["lastUpdated"] and r.json()["created"] == user["created"]
    assert r.json()["passwordChanged"] == user["passwordChanged"]
    assert _user(api, user["id"]).json()["profile"] == got
    # By login too; changing the login keeps it unique, case-insensitively.
    new_login = f"ou-{secrets.token_hex(5)}@example.com"
    r = api.http.post(f"/api/v1/users/{quote(user['login'], safe='')}", headers=api.ssws,
                      json={"profile": {"login": new_login}})
    assert r.status_code == 200 and r.json()["profile"]["login"] == new_login, r.text
    assert _user(api, new_login).json()["id"] == user["id"]
    okta_error(_user(api, user["login"]), 404, "E0000007")
    other = _create(api)
    body = okta_error(api.http.post(f"/api/v1/users/{other['id']}", headers=api.ssws,
                                     json={"profile": {"login": new_login.upper()}}), 400, "E0000001")
    assert any("already exists" in c["errorSummary"] for c in body["errorCauses"]), body
    assert _user(api, other["id"]).json()["profile"]["login"] == other["login"]


def test_partial_update_refusals(api):
    user = _create(api)
    url = f"/api/v1/users/{user['id']}"
    for body in ({"profile": {"email": "not-an-email"}}, {"profile": {"firstName": None}},
                 {"profile": {"lastName": ""}}, {"profile": "x"}, {}):
        okta_error(api.http.post(url, headers=api.ssws, json=body), 400, "E0000001")
    okta_error(api.http.post(url, headers={**api.ssws, "content-type": "application/json"}, content=b"{"),
                400, "E0000003")
    okta_error(api.http.post("/api/v1/users/00uNoSuchUser0000000", headers=api.ssws,
                              json={"profile": {"firstName": "X"}}), 404, "E0000007")
    assert _user(api, user["id"]).json()["profile"]["email"] == user["login"]


def test_full_replace(api):
    user = _create(api, mobilePhone="555-0100", nickName="ada")
    login = user["login"]
    r = api.http.put(f"/api/v1/users/{user['id']}", headers=api.ssws,
                     json={"profile": {"login": login, "email": login, "firstName": "Grace", "lastName": "Hopper"}})
    assert r.status_code == 200, r.text
    got = r.json()["profile"]
    assert (got["firstName"], got["lastName"]) == ("Grace", "Hopper")
    assert got["mobilePhone"] is None and "nickName" not in got  # replaced, not merged
    assert r.json()["credentials"]["password"] == {}  # the password stays
    body = okta_error(api.http.put(f"/api/v1/users/{user['id']}", headers=api.ssws,
                                    json={"profile": {"login": login, "email": login, "firstName": "Grace"}}),
                       400, "E0000001")
    assert any("lastName" in c["errorSummary"] for c in body["errorCauses"]), body
    okta_error(api.http.put(f"/api/v1/users/{user['id']}", headers=api.ssws, json={}), 400, "E0000001")
    assert _user(api, user["id"]).json()["profile"]["lastName"] == "Hopper"


def test_password_change_then_password_grant(api):
    client = api.create_client()
    user = _create(api)
    new_password = "brand-new-" + secrets.token_hex(4)
    r = api.http.post(f"/api/v1/users/{user['id']}", headers=api.ssws,
                      json={"credentials": {"password": {"value": new_password}}})
    assert r.status_code == 200, r.text
    assert new_password not in r.text and r.json()["passwordChanged"] >= user["passwordChanged"]
    r = api.password_login(client, {**user, "password": new_password})
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text
    r = api.password_login(client, user)
    assert r.status_code == 403 and r.json()["error"] == "invalid_grant", r.text
    body = okta_error(api.http.post(f"/api/v1/users/{user['id']}", headers=api.ssws,
                                     json={"credentials": {"password": {"value": "short"}}}), 400, "E0000001")
    assert "short" not in str(body)


def test_password_sets_on_a_provisioned_user_then_activation_makes_it_active(api):
    user = _create(api, password=None)
    assert user["status"] == "PROVISIONED" and "password" not in user["credentials"]
    assert _lifecycle(api, user["id"], "activate").json() == {}
    assert _status(api, user["id"]) == "PROVISIONED"  # still no password
    r = api.http.post(f"/api/v1/users/{user['id']}", headers=api.ssws,
                      json={"credentials": {"password": {"value": PASSWORD}}})
    assert r.status_code == 200 and r.json()["credentials"]["password"] == {}, r.text
    assert _lifecycle(api, user["id"], "deactivate").status_code == 200
    assert _lifecycle(api, user["id"], "activate").status_code == 200
    assert _status(api, user["id"]) == "ACTIVE"


# --- lifecycle -----------------------------------------------------------------------------------

def test_lifecycle_transitions_and_refusals(api):
    client = api.create_client()
    user = _create(api, activate=False)
    uid = user["id"]
    assert user["status"] == "STAGED" and user["activated"] is None

    r = _lifecycle(api, uid, "activate", "?sendEmail=false")
    assert r.status_code == 200 and r.json() == {}, r.text
    got = _user(api, uid).json()
    assert got["status"] == "ACTIVE" and ISO_MS.match(got["activated"]) and ISO_MS.match(got["statusChanged"])
    okta_error(_lifecycle(api, uid, "activate"), 403, "E0000016",
                "Activation failed because the user is already active")
    okta_error(_lifecycle(api, uid, "unsuspend"), 400, "E0000001")

    assert _lifecycle(api, uid, "suspend").json() == {}
    assert _status(api, uid) == "SUSPENDED"
    r = api.password_login(client, user)
    assert r.status_code == 403 and r.json()["error"] == "invalid_grant", r.text
    okta_error(_lifecycle(api, uid, "suspend"), 400, "E0000001")
    okta_error(_lifecycle(api, uid, "activate"), 400, "E0000001")

    assert _lifecycle(api, uid, "unsuspend").json() == {}
    assert _status(api, uid) == "ACTIVE"
    r = api.password_login(client, user)
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text

    assert _lifecycle(api, user["login"], "deactivate").json() == {}  # by login too
    assert _status(api, uid) == "DEPROVISIONED"
    r = api.password_login(client, user)
    assert r.status_code == 403 and r.json()["error"] == "invalid_grant", r.text
    okta_error(_lifecycle(api, uid, "deactivate"), 400, "E0000001")
    okta_error(_lifecycle(api, uid, "suspend"), 400, "E0000001")

    assert _lifecycle(api, uid, "activate").json() == {}
    assert _status(api, uid) == "ACTIVE"

    for op in ("activate", "deactivate", "suspend", "unsuspend", "unlock", "reset_factors"):
        okta_error(_lifecycle(api, "00uNoSuchUser0000000", op), 404, "E0000007")


def test_deactivated_user_refresh_token_is_refused(api):
    client = api.create_client()
    user = api.enrolled_user(client, scope="openid offline_access")
    assert _lifecycle(api, user["id"], "deactivate").status_code == 200
    r = api.token(client, grant_type="refresh_token", refresh_token=user["tokens"]["refresh_token"])
    assert r.status_code == 403 and r.json()["error"] == "invalid_grant", r.text


def test_unlock_clears_the_password_lockout(api):
    client = api.create_client()
    user = _create(api)
    for _ in range(MAX_FAILURES):
        r = api.password_login(client, {**user, "password": "not-" + PASSWORD})
        assert r.status_code == 403 and r.json()["error"] == "invalid_grant", r.text
    r = api.password_login(client, user)
    assert r.status_code == 429, r.text
    r = _lifecycle(api, user["id"], "unlock")
    assert r.status_code == 200 and r.json() == {}, r.text
    r = api.password_login(client, user)
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text


def test_unlock_clears_the_mfa_lockout(api):
    client = api.create_client()
    user = api.enrolled_user(client)
    mfa_token = api.mfa_token(client, user)
    bad = wrong_code(user["secret"])
    for _ in range(MAX_FAILURES):
        r = api.mfa_otp(client, mfa_token, bad)
        assert r.status_code == 403 and r.json()["error"] == "invalid_grant", r.text
    r = api.mfa_otp(client, mfa_token, user["next_code"])
    assert r.status_code == 429, r.text
    assert _lifecycle(api, user["login"], "unlock").json() == {}
    r = api.mfa_otp(client, mfa_token, user["next_code"])
    assert r.status_code == 200 and "access_token" in r.json(), r.text


def test_reset_factors_removes_every_factor(api):
    client = api.create_client()
    user = api.enrolled_user(client)
    factors = api.http.get(f"/api/v1/users/{user['id']}/factors", headers=api.ssws)
    assert factors.status_code == 200 and factors.json(), factors.text
    r = _lifecycle(api, user["id"], "reset_factors")
    assert r.status_code == 200 and r.json() == {}, r.text
    r = api.http.get(f"/api/v1/users/{user['id']}/factors", headers=api.ssws)
    assert r.status_code == 200 and r.json() == [], r.text
    assert _status(api, user["id"]) == "ACTIVE"


# --- delete --------------------------------------------------------------------------------------

def test_delete_deactivates_then_deletes(api):
    client = api.create_client()
    user = api.enrolled_user(client, scope="openid offline_access")  # factors and tokens to cascade
    r = api.http.delete(f"/api/v1/users/{user['id']}", headers=api.ssws)
    assert r.status_code == 204 and r.content == b"", r.text
    assert _status(api, user["id"]) == "DEPROVISIONED"
    r = api.http.delete(f"/api/v1/users/{quote(user['login'], safe='')}", headers=api.ssws)
    assert r.status_code == 204, r.text
    okta_error(_user(api, user["id"]), 404, "E0000007")
    okta_error(api.http.delete(f"/api/v1/users/{user['id']}", headers=api.ssws), 404, "E0000007")
    r = api.token(client, grant_type="refresh_token", refresh_token=user["tokens"]["refresh_token"])
    assert r.status_code == 403 and r.json()["error"] == "invalid_grant", r.text
    # The login is free again.
    assert _create(api, user["login"])["id"] != user["id"]


# --- audit ---------------------------------------------------------------------------------------

def _audit(server, user_id: str) -> list[tuple[str, str | None]]:
    rows = db_rows(server, f"SELECT event_type, detail FROM audit_events WHERE user_id = '{user_id}' ORDER BY at, event_type")
    return [(r[0], r[1] or None) if len(r) > 1 else (r[0], None) for r in rows]


def test_every_change_is_audited_without_secrets(api, server):
    user = _create(api, activate=False)
    uid = user["id"]
    new_password = "audited-" + secrets.token_hex(6)
    for op in ("activate", "suspend", "unsuspend", "unlock", "deactivate"):
        assert _lifecycle(api, uid, op).status_code == 200
    assert api.http.post(f"/api/v1/users/{uid}", headers=api.ssws,
                         json={"profile": {"nickName": "n"}, "credentials": {"password": {"value": new_password}}}
                         ).status_code == 200
    assert api.http.delete(f"/api/v1/users/{uid}", headers=api.ssws).status_code == 204
    events = _audit(server, uid)
    types = {t for t, _ in events}
    assert {"user.lifecycle.create", "user.lifecycle.activate", "user.lifecycle.suspend",
            "user.lifecycle.unsuspend", "user.account.unlock", "user.lifecycle.deactivate",
            "user.account.update_profile", "user.account.update_password",
            "user.lifecycle.delete.completed"} <= types, types
    text = repr(events)
    assert new_password not in text and PASSWORD not in text
