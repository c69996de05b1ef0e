"""Okta's System Log (GET /api/v1/logs) over HTTP, on SQLite and PostgreSQL: the events of a sign-in
with MFA (password, verification success, failure, replay, lockout, enrolment, activation, factor
removal) with actor, targets, outcome, client IP and user agent and never a secret; since / until /
filter / q / limit / after / sortOrder and the Link headers; refusals of bad parameters; the
administrators' events (apps, authorization servers, rules) by Okta's names, with the system or
the Admin Console's administrator as actor. The server is shared by every test module, so each test looks only at its own users' events."""
from __future__ import annotations

import asyncio
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, UTC
from urllib.parse import parse_qs, quote, urlparse

import pytest

from ..support import PASSWORD, link_headers, okta_error, wrong_code

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
MAX_FAILURES = 10


def _logs(api, **params):
    r = api.http.get("/api/v1/logs", headers=api.ssws, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r


def _follow(api, url: str):
    """GET a Link URL (absolute, on the server's issuer)."""
    parsed = urlparse(url)
    r = api.http.get(parsed.path + "?" + parsed.query, headers=api.ssws)
    assert r.status_code == 200, r.text
    return r


def _since(seconds_ago: float = 2.0) -> str:
    return datetime.fromtimestamp(time.time() - seconds_ago, tz=UTC).isoformat().replace("+00:00", "Z")


def _actor_filter(user_id: str) -> str:
    return f'actor.id eq "{user_id}"'


def _parse_with_okta_sdk(events: list[dict]) -> None:
    from okta.models.log_event import LogEvent

    for e in events:
        parsed = LogEvent.from_dict(e)
        assert parsed.uuid == e["uuid"] and parsed.event_type == e["eventType"]


def _factor_id(api, user_id: str) -> str:
    r = api.http.get(f"/api/v1/users/{user_id}/factors", headers=api.ssws)
    assert r.status_code == 200, r.text
    (factor,) = [f for f in r.json() if f["factorType"] == "token:software:totp"]
    return factor["id"]


# --- the events of a sign-in with MFA -----------------------------------------------------------

def test_sign_in_with_mfa_is_logged_with_actor_targets_outcomes_and_no_secret(api):
    since = _since()
    agent = f"twofold-log-test/{secrets.token_hex(4)}"
    api.http.headers["User-Agent"] = agent
    client = api.create_client()
    user = api.enrolled_user(client)  # password SUCCESS, enrol, activate, verify SUCCESS, token
    uid = user["id"]
    secrets_seen = [user["secret"], user["password"], user["confirm_code"], user["recovery_code"],
                    user["tokens"]["access_token"], api.api_token, client["client_secret"]]
    if user["tokens"].get("refresh_token"):
        secrets_seen.append(user["tokens"]["refresh_token"])

    # a wrong password
    r = api.token(client, grant_type="password", username=user["login"], password="not-" + PASSWORD)
    assert r.status_code == 403, r.text
    # a second sign-in: a wrong code, the confirmation code again (a replay), the next code
    mfa_token = api.mfa_token(client, user)
    secrets_seen.append(mfa_token)
    assert api.mfa_otp(client, mfa_token, wrong_code(user["secret"])).status_code == 403
    r = api.mfa_otp(client, mfa_token, user["confirm_code"])
    assert r.status_code == 403, r.text
    r = api.mfa_otp(client, mfa_token, user["next_code"])
    assert r.status_code == 200, r.text
    secrets_seen += [user["next_code"], r.json()["access_token"]]
    # lockout: the limit of wrong codes, then one more attempt
    mfa_token = api.mfa_token(client, user)
    secrets_seen.append(mfa_token)
    for _ in range(MAX_FAILURES + 1):
        r = api.mfa_otp(client, mfa_token, wrong_code(user["secret"]))
        assert r.status_code in (403, 429), r.text
    # the factor removed through the Factors API
    factor_id = _factor_id(api, uid)
    assert api.http.delete(f"/api/v1/users/{uid}/factors/{factor_id}", headers=api.ssws).status_code == 204

    r = _logs(api, since=since, filter=_actor_filter(uid), limit="1000")
    events = r.json()
    text = r.text
    for secret in secrets_seen:
        assert secret not in text, secret
    _parse_with_okta_sdk(events)

    def of(event_type: str, result: str | None = None) -> list[dict]:
        return [e for e in events if e["eventType"] == event_type
                and (result is None or e["outcome"]["result"] == result)]

    # every event: the user as actor, the caller's IP and user agent, Okta's shape
    for e in events:
        assert e["actor"] == {"id": uid, "type": "User", "alternateId": user["login"], "displayName": "Test User"}
        assert e["client"]["ipAddress"] == "127.0.0.1"
        assert e["client"]["userAgent"]["rawUserAgent"] == agent
        assert ISO_MS.match(e["published"]) and e["version"] == "0"
        assert e["transaction"]["type"] == "WEB" and e["transaction"]["id"] == e["uuid"]
        assert e["severity"] == ("INFO" if e["outcome"]["result"] == "SUCCESS" and
                                 e["eventType"] != "user.account.lock" else "WARN")
        assert isinstance(e["debugContext"]["debugData"], dict)
    assert [e["published"] for e in events] == sorted(e["published"] for e in events)  # ascending by default

    assert len(of("user.session.start", "SUCCESS")) == 3
    (bad_password,) = of("user.session.start", "FAILURE")
    assert bad_password["outcome"]["reason"] == "INVALID_CREDENTIALS"
    assert bad_password["displayMessage"] == "User login to Okta"
    assert bad_password["target"] == [{"id": client["client_id"], "type": "AppInstance",
                                       "alternateId": client["client_name"], "displayName": client["client_name"]}]

    (enrolled,) = of("user.mfa.factor.update")
    (activated,) = of("user.mfa.factor.activate")
    assert enrolled["target"][0]["id"] == activated["target"][0]["id"] == factor_id
    assert activated["target"][0]["type"] == "AuthenticatorEnrollment"

    successes = of("user.authentication.auth_via_mfa", "SUCCESS")
    assert len(successes) == 2
    for e in successes:
        assert e["displayMessage"] == "Authentication of user via MFA"
        assert {"id": factor_id, "type": "AuthenticatorEnrollment"}.items() <= e["target"][0].items()
        assert any(t["id"] == client["client_id"] and t["type"] == "AppInstance" for t in e["target"])
        assert e["debugContext"]["debugData"] == {"kind": "otp"}
    failures = of("user.authentication.auth_via_mfa", "FAILURE")
    reasons = [e["outcome"]["reason"] for e in failures]
    assert reasons.count("PASSCODE_REPLAYED") == 1
    assert reasons.count("INVALID_CREDENTIALS") == 1 + MAX_FAILURES
    (replay,) = [e for e in failures if e["outcome"]["reason"] == "PASSCODE_REPLAYED"]
    assert replay["target"][0]["id"] == factor_id
    (denied,) = of("user.authentication.auth_via_mfa", "DENY")
    assert denied["outcome"]["reason"] == "LOCKED_OUT" and denied["severity"] == "WARN"
    (lock,) = of("user.account.lock")
    assert lock["outcome"]["result"] == "DENY"
    assert lock["debugContext"]["debugData"] == {"kind": "otp", "failures": MAX_FAILURES}  # its attempts' kind

    assert len(of("app.oauth2.as.token.grant.access_token", "SUCCESS")) == 2
    (removed,) = of("user.mfa.factor.deactivate")
    assert removed["target"][0]["id"] == factor_id and removed["displayMessage"] == "Reset factor for user"
    # the factor is gone, so its targets are named from the events' details
    assert removed["target"][0]["displayName"] == successes[0]["target"][0]["displayName"] == "TOTP authenticator"

    # the user's creation: done through the management API, the user a target
    r = _logs(api, since=since, filter='eventType eq "user.lifecycle.create"', q=user["login"])
    (created,) = r.json()
    assert created["actor"]["type"] == "SystemPrincipal" and created["actor"]["id"] == "system"
    assert created["target"] == [{"id": uid, "type": "User", "alternateId": user["login"],
                                  "displayName": "Test User"}]
    assert created["legacyEventType"] == "user.lifecycle.create"


# --- paging, time range, order, filter and keywords ---------------------------------------------

@pytest.fixture
def five_sign_ins(api):
    """A new user with five password sign-ins (five user.session.start events, 20 ms apart)."""
    since = _since()
    client = api.create_client()
    user = api.create_user()
    for _ in range(5):
        r = api.password_login(client, user)
        assert r.status_code in (200, 403), r.text
        time.sleep(0.02)
    r = _logs(api, since=since, filter=_actor_filter(user["id"]))
    events = r.json()
    assert [e["eventType"] for e in events] == ["user.session.start"] * 5
    return {"user": user, "since": since, "events": events, "client": client}


def test_pages_follow_next_links_until_the_end_of_a_bounded_range(api, five_sign_ins):
    ids = [e["uuid"] for e in five_sign_ins["events"]]
    flt = _actor_filter(five_sign_ins["user"]["id"])
    until = _since(-60)  # a minute ahead: bounded
    r = _logs(api, since=five_sign_ins["since"], until=until, filter=flt, limit="2")
    links = link_headers(r)
    assert set(links) == {"self", "next"}
    self_query = parse_qs(urlparse(links["self"]).query)
    assert self_query["limit"] == ["2"] and self_query["filter"] == [flt] and self_query["until"] == [until]
    assert links["self"].startswith(api.issuer + "api/v1/logs?")
    seen = [e["uuid"] for e in r.json()]
    pages = 1
    while "next" in link_headers(r):
        r = _follow(api, link_headers(r)["next"])
        assert parse_qs(urlparse(link_headers(r)["self"]).query)["after"]
        seen += [e["uuid"] for e in r.json()]
        pages += 1
        assert pages < 10
    assert seen == ids and pages == 3

    # descending: the same events, newest first, and pages that go on backwards
    r = _logs(api, since=five_sign_ins["since"], until=until, filter=flt, limit="3", sortOrder="DESCENDING")
    first = [e["uuid"] for e in r.json()]
    r2 = _follow(api, link_headers(r)["next"])
    assert first + [e["uuid"] for e in r2.json()] == ids[::-1]
    assert "next" not in link_headers(r2)
    assert parse_qs(urlparse(link_headers(r2)["self"]).query)["sortOrder"] == ["DESCENDING"]


def test_polling_always_has_a_next_link(api, five_sign_ins):
    flt = _actor_filter(five_sign_ins["user"]["id"])
    r = _logs(api, since=five_sign_ins["since"], filter=flt, limit="5")
    assert len(r.json()) == 5
    r = _follow(api, link_headers(r)["next"])  # nothing newer yet
    assert r.json() == [] and "next" in link_headers(r)
    # a new event appears on the same next link
    assert api.password_login(five_sign_ins["client"], five_sign_ins["user"]).status_code in (200, 403)
    r = _follow(api, link_headers(r)["next"])
    assert [e["eventType"] for e in r.json()] == ["user.session.start"]
    assert r.json()[0]["uuid"] not in {e["uuid"] for e in five_sign_ins["events"]}


def test_since_until_and_limit(api, five_sign_ins):
    events = five_sign_ins["events"]
    flt = _actor_filter(five_sign_ins["user"]["id"])
    third = events[2]["published"]
    # `until` is exclusive, `since` inclusive; offsets are understood
    before = _logs(api, since=five_sign_ins["since"], until=third, filter=flt).json()
    assert [e["uuid"] for e in before] == [e["uuid"] for e in events if e["published"] < third]
    after = _logs(api, since=third.replace("Z", "+00:00"), filter=flt).json()
    assert [e["uuid"] for e in after] == [e["uuid"] for e in events if e["published"] >= third]
    # a range that ends before the events began
    assert _logs(api, until=five_sign_ins["since"], filter=flt).json() == []
    # limit 0 and the default limit (100)
    assert _logs(api, since=five_sign_ins["since"], filter=flt, limit="0").json() == []
    r = _logs(api, since=five_sign_ins["since"], filter=flt)
    assert parse_qs(urlparse(link_headers(r)["self"]).query)["limit"] == ["100"]


def test_filter_expressions(api, five_sign_ins):
    user, since = five_sign_ins["user"], five_sign_ins["since"]
    uid = user["id"]
    client = five_sign_ins["client"]
    assert api.token(client, grant_type="password", username=user["login"], password="wrong-" + PASSWORD
                     ).status_code == 403

    def types(flt: str, **extra) -> list[tuple[str, str]]:
        return [(e["eventType"], e["outcome"]["result"]) for e in _logs(api, since=since, filter=flt, **extra).json()]

    actor = _actor_filter(uid)
    assert types(f'{actor} and outcome.result eq "FAILURE"') == [("user.session.start", "FAILURE")]
    assert types(f'{actor} and outcome.result eq "success"') == [("user.session.start", "SUCCESS")] * 5
    assert types(f'{actor} and eventType eq "user.session.start"') == types(actor)
    assert types(f'{actor} and eventType eq "USER.SESSION.START"') == types(actor)  # SCIM: case-insensitive
    assert types(f'{actor} and eventType sw "user.session"') == types(actor)
    assert types(f'{actor} and eventType co "session"') == types(actor)
    assert types(f'{actor} and eventType eq "user.authentication.password"') == []  # shown as Okta's name
    assert types(f'{actor} and (eventType eq "user.lifecycle.create" or outcome.result eq "FAILURE")') == [
        ("user.session.start", "FAILURE")]
    # `or` across actors: this user's events and the client's (there are none without a user)
    assert len(types(f'{actor} or actor.id eq "{client["client_id"]}"')) == 6
    # the user as target of the management API's events
    both = types(f'(eventType eq "user.lifecycle.create" or {actor}) and outcome.result eq "SUCCESS"',
                 q=user["login"])
    assert both == [("user.lifecycle.create", "SUCCESS")] + [("user.session.start", "SUCCESS")] * 5


def test_keywords(api, five_sign_ins):
    user, since = five_sign_ins["user"], five_sign_ins["since"]

    def count(q: str, **extra) -> int:
        return len(_logs(api, since=since, q=q, **extra).json())

    login = user["login"]
    assert count(login) == 6  # creation (target) and five sign-ins (actor)
    assert count(login.upper()) == 6
    assert count(f"{login} lifecycle") == 1
    assert count(f"{login} login to okta") == 5  # the displayMessage
    assert count(f"{login} user.session.start") == 5
    assert count(f"{login} 127.0.0.1") == 6  # the client's IP (the creation's too: it came from here)
    assert count(f"{login} {five_sign_ins['client']['client_name']}") == 5
    assert count(f"{login} no-such-keyword-{secrets.token_hex(3)}") == 0
    assert count(f"{login} 100%") == 0  # LIKE wildcards are literal
    assert count(f"{login} ___") == 0


# --- refusals -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["since", "until"])
def test_a_bad_date_is_400_E0000001(api, name):
    body = okta_error(api.http.get("/api/v1/logs", headers=api.ssws, params={name: "yesterday"}), 400, "E0000001")
    assert body["errorSummary"].startswith(
        f"Api validation failed: '{name}': The date format in your query is not recognized")


@pytest.mark.parametrize("flt,summary", [
    ('outcome.result eqq "FAILURE"',
     "Invalid filter 'outcome.result eqq \"FAILURE\"': Unrecognized attribute operator 'eqq' at position 16. "
     "Expected: eq,co,sw,pr,gt,ge,lt,le"),
    ('some_invalid_field eq "x"', "field is not valid: some_invalid_field"),
    ('published gt "2017-01-01T00:00:00Z"', "field is not valid: published"),
    ('outcome.result sw "F"', None),
    ('eventType eq "a" and', None),
    ('(eventType eq "a"', None),
    ('eventType eq user', None),
    ('eventType eq "a" [x]', None),
    ('', None),
])
def test_a_bad_filter_is_400_E0000053(api, flt, summary):
    body = okta_error(api.http.get("/api/v1/logs", headers=api.ssws, params={"filter": flt}), 400, "E0000053")
    if summary is not None:
        assert body["errorSummary"] == summary


@pytest.mark.parametrize("params", [
    {"limit": "-1"}, {"limit": "ten"}, {"sortOrder": "SIDEWAYS"}, {"after": "not-a-cursor"},
    {"after": "MTIzOnh4eA" + "!"}, {"q": " ".join(["k"] * 11)}, {"q": "k" * 41},
])
def test_other_bad_parameters_are_400_E0000001(api, params):
    body = okta_error(api.http.get("/api/v1/logs", headers=api.ssws, params=params), 400, "E0000001")
    assert body["errorSummary"].startswith("Api validation failed: '")
    if "q" in params:
        assert body["errorSummary"] == "Api validation failed: 'q': at most 10 keywords of at most 40 characters each"


def test_a_large_limit_is_capped_and_no_token_is_401(api):
    r = _logs(api, limit="5000", since=_since(1))
    assert parse_qs(urlparse(link_headers(r)["self"]).query)["limit"] == ["1000"]
    assert r.headers.get("X-Rate-Limit-Limit")
    okta_error(api.http.get("/api/v1/logs"), 401, "E0000011")
    okta_error(api.http.get("/api/v1/logs", headers={"Authorization": "SSWS 00nope"}), 401, "E0000011")


def test_link_urls_encode_their_parameters(api):
    flt = 'eventType eq "user.session.start" and outcome.result eq "FAILURE"'
    r = _logs(api, filter=flt, q="a&b=c", since=_since(1))
    self_url = link_headers(r)["self"]
    assert quote(flt, safe="") in self_url and "a%26b%3Dc" in self_url
    assert parse_qs(urlparse(self_url).query)["q"] == ["a&b=c"]


# --- administrators' events: Okta's names, and who acted ----------------------------------------

def _one(api, since: str, event_type: str, q: str) -> dict:
    r = _logs(api, since=since, filter=f'eventType eq "{event_type}"', q=q)
    events = r.json()
    assert len(events) == 1, (event_type, events)
    return events[0]


def test_management_api_changes_to_apps_servers_and_rules_are_logged_by_okta_names(api):
    since = _since()
    r = api.http.post("/api/v1/apps", headers=api.ssws, json={
        "name": "oidc_client", "label": "Log app", "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": {"token_endpoint_auth_method": "client_secret_post"}},
        "settings": {"oauthClient": {"grant_types": ["password"], "application_type": "native",
                                     "redirect_uris": [], "response_types": []}}})
    assert r.status_code == 200, r.text
    app = r.json()
    app_id, first_secret = app["id"], app["credentials"]["oauthClient"]["client_secret"]
    rotated = api.http.post(f"/api/v1/apps/{app_id}/credentials/secrets", headers=api.ssws)
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["client_secret"]
    assert api.http.post(f"/api/v1/apps/{app_id}/lifecycle/deactivate", headers=api.ssws).status_code == 200
    assert api.http.delete(f"/api/v1/apps/{app_id}", headers=api.ssws).status_code == 204

    name = "Log server " + secrets.token_hex(3)
    server = api.http.post("/api/v1/authorizationServers", headers=api.ssws,
                           json={"name": name, "audiences": ["api://log-" + secrets.token_hex(3)]}).json()
    sid = server["id"]
    base = f"/api/v1/authorizationServers/{sid}/policies"
    policy = api.http.post(base, headers=api.ssws, json={
        "name": "Log policy", "priority": 1, "conditions": {"clients": {"include": ["ALL_CLIENTS"]}}}).json()
    rules = f"{base}/{policy['id']}/rules"
    rule_body = {"name": "Log rule", "conditions": {"grantTypes": {"include": ["password"]}}}
    rule = api.http.post(rules, headers=api.ssws, json=rule_body).json()
    rule_body["conditions"]["grantTypes"]["include"].append("refresh_token")
    assert api.http.put(f"{rules}/{rule['id']}", headers=api.ssws, json=rule_body).status_code == 200
    assert api.http.delete(f"{rules}/{rule['id']}", headers=api.ssws).status_code == 204
    deactivate = f"/api/v1/authorizationServers/{sid}/lifecycle/deactivate"
    assert api.http.post(deactivate, headers=api.ssws).status_code == 204

    system = {"id": "system", "type": "SystemPrincipal", "alternateId": "system", "displayName": "Management API"}
    for event_type, message in [("application.lifecycle.create", "Create application"),
                                ("application.client_secret.rotate", "Rotate client secret"),
                                ("application.lifecycle.deactivate", "Deactivate application"),
                                ("application.lifecycle.delete", "Delete application")]:
        e = _one(api, since, event_type, app_id)
        assert e["actor"] == system and e["displayMessage"] == message and e["outcome"]["result"] == "SUCCESS"
        assert [t["type"] for t in e["target"]] == ["AppInstance"] and e["target"][0]["id"] == app_id
    created = _one(api, since, "oauth2.as.created", sid)
    assert created["actor"] == system and created["legacyEventType"] == "oauth2.as.created"
    assert created["target"] == [{"id": sid, "type": "AuthorizationServer", "alternateId": sid, "displayName": name}]
    assert _one(api, since, "oauth2.as.deactivated", sid)["displayMessage"] == "Deactivate authorization server"
    added = _one(api, since, "policy.rule.add", rule["id"])  # ours is policy.rule.create
    assert added["actor"] == system and added["legacyEventType"] == "policy.rule.create"
    ours = _logs(api, since=since, filter='eventType eq "policy.rule.create"', q=rule["id"])
    assert ours.json() == []  # shown by Okta's name only
    updated = _one(api, since, "policy.rule.update", rule["id"])
    assert updated["displayMessage"] == "Update policy rule" and updated["actor"] == system
    assert [(t["type"], t["id"]) for t in updated["target"]] == [
        ("PolicyEntity", policy["id"]), ("PolicyRule", rule["id"]), ("AuthorizationServer", sid)]
    assert updated["target"][0]["displayName"] == "Log policy" and updated["target"][2]["displayName"] == name
    deleted = _one(api, since, "policy.rule.delete", rule["id"])
    assert deleted["target"][1] == {"id": rule["id"], "type": "PolicyRule", "alternateId": rule["id"],
                                    "displayName": "unknown"}  # the rule is gone
    assert _one(api, since, "policy.lifecycle.create", policy["id"])["target"][0]["displayName"] == "Log policy"
    # the system as actor: these events, found by actor too
    r = _logs(api, since=since, filter='actor.id eq "system"', q=sid, limit="1000")
    assert {e["eventType"] for e in r.json()} == {"oauth2.as.created", "policy.lifecycle.create", "policy.rule.add",
                                                  "policy.rule.update", "policy.rule.delete", "oauth2.as.deactivated"}
    text = _logs(api, since=since, limit="1000").text
    for secret in (first_secret, new_secret, api.api_token):
        assert secret not in text


def _as_console(server, work) -> object:
    """Run `work(rt)` on a Runtime of the server's database, in a thread of its own (browser
    tests in the same session hold the main thread's event loop)."""
    from twofold.config import Settings
    from twofold.services.bootstrap import build_runtime

    async def run():
        rt, _ = await build_runtime(Settings(data_dir=server.data_dir, database_url=server.database_url,
                                             issuer=server.issuer))
        try:
            return await work(rt)
        finally:
            await rt.db.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=120)


def test_an_administrators_console_action_names_them_as_actor(server, api):
    """The Admin Console passes the administrator in RequestMeta.actor_id (services.audit puts it
    in the event's detail); here the services are called as the console calls them."""
    from twofold.services import apps, user_lifecycle
    from twofold.services.runtime import RequestMeta

    since = _since()
    admin, user = api.create_user(), api.create_user()
    client = api.create_client()
    console = RequestMeta(ip="127.0.0.9", user_agent="console-test", actor_id=admin["id"])

    async def act(rt):
        _, new_secret = await apps.rotate_secret(rt, client["client_id"], console)
        await user_lifecycle.suspend(rt, user["id"], console)
        return new_secret

    secret = _as_console(server, act)

    as_admin = {"id": admin["id"], "type": "User", "alternateId": admin["login"], "displayName": "Test User"}
    r = _logs(api, since=since, filter=_actor_filter(admin["id"]))
    assert secret not in r.text
    events = {e["eventType"]: e for e in r.json()}
    assert set(events) == {"application.client_secret.rotate", "user.lifecycle.suspend"}
    rotated, suspended = events["application.client_secret.rotate"], events["user.lifecycle.suspend"]
    assert rotated["actor"] == suspended["actor"] == as_admin
    assert rotated["target"] == [{"id": client["client_id"], "type": "AppInstance",
                                  "alternateId": client["client_name"], "displayName": client["client_name"]}]
    assert suspended["target"] == [{"id": user["id"], "type": "User", "alternateId": user["login"],
                                    "displayName": "Test User"}]
    assert rotated["client"]["ipAddress"] == "127.0.0.9"
    # the actor is the actor, not debug data
    assert "actor" not in rotated["debugContext"]["debugData"]
    assert suspended["debugContext"]["debugData"] == {"status": "SUSPENDED"}
    # neither is the system's, nor the suspended user's own
    assert _logs(api, since=since, filter='actor.id eq "system"', q=user["login"]).json()[0]["eventType"] == \
        "user.lifecycle.create"
    assert _logs(api, since=since, filter=_actor_filter(user["id"])).json() == []
    # the administrator's id is a keyword like any other
    assert {e["eventType"] for e in _logs(api, since=since, q=admin["id"]).json()} >= set(events)
