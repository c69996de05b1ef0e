"""The process log of real `twofold serve` processes at TWOFOLD_LOG_LEVEL=debug, in both formats
(TWOFOLD_LOG_FORMAT text and json), on SQLite and PostgreSQL: after the main flows it holds no
password, code, TOTP seed, token, client or webhook secret, recovery code or session cookie
(R68, R39); in json every line is an object with the required keys; every request's id is
echoed and on its lines; X-Forwarded-For is believed from trusted proxies only."""
from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys

import httpx
import pytest

from twofold.dialects.console.web import SESSION_COOKIE, csrf_token

from ..browser.conftest import grant_admin
from ..conftest import free_port
from ..support import MFA_RECOVERY, csrf_of, latest_code, new_phone, two_codes, wrong_code
from .test_secrets_at_rest import _forms

FORMATS = ["text", "json"]
WEBHOOK_SECRET = "whsec-" + secrets.token_hex(12)
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
EVERY_LINE = {"time", "level", "event"}
ACCESS_LINE = EVERY_LINE | {"request_id", "method", "client_ip", "route", "path", "status", "duration_ms"}


@pytest.fixture(scope="module", params=FORMATS)
def log_server(request, backend, make_server):
    """SMS through the outbox; voice through a webhook where nothing listens, so a send fails
    inside a request (an application event of that request)."""
    return make_server(backend, extra_env={
        "TWOFOLD_LOG_FORMAT": request.param, "TWOFOLD_LOG_LEVEL": "debug", "TWOFOLD_SEND_INTERVAL_SECONDS": "0",
        "TWOFOLD_VOICE_PROVIDER": "webhook", "TWOFOLD_SMS_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/voice",
        "TWOFOLD_SMS_WEBHOOK_SECRET": WEBHOOK_SECRET})


def _format(server) -> str:
    return server.env["TWOFOLD_LOG_FORMAT"]


def _lines_of(server, request_id: str) -> list:
    """The lines a request wrote: objects (json) or text lines."""
    if _format(server) == "json":
        return [o for o in map(json.loads, server.log_text().splitlines()) if o.get("request_id") == request_id]
    return [line for line in server.log_text().splitlines() if line.endswith(f" request_id={request_id}")]


def _password() -> str:
    return "Pw-" + secrets.token_urlsafe(12)


def _auth0_flows(api, seen: dict) -> None:
    """Password + TOTP through Auth0's mfa-otp grant, a refresh, a wrong password, a wrong code,
    the recovery code."""
    client = api.create_client()
    password = _password()
    user = api.create_user(password=password)
    mt = api.mfa_token(client, user, scope="openid offline_access")
    assoc = api.associate(mt).json()
    secret, recovery = assoc["secret"], assoc["recovery_codes"][0]
    code, _ = two_codes(secret)
    tokens = api.mfa_otp(client, mt, code).json()
    assert "access_token" in tokens, tokens
    refreshed = api.token(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json()
    assert "access_token" in refreshed, refreshed
    wrong_password = password + "x"
    assert api.token(client, grant_type="password", username=user["login"], password=wrong_password,
                     scope="openid").status_code == 403
    mt2 = api.mfa_token(client, user, scope="openid")
    wrong = wrong_code(secret)
    assert api.mfa_otp(client, mt2, wrong).status_code == 403
    recovered = api.token(client, grant_type=MFA_RECOVERY, mfa_token=mt2, recovery_code=recovery).json()
    assert "recovery_code" in recovered, recovered
    seen.update({
        "client secret": client["client_secret"], "password": password, "wrong password": wrong_password,
        "mfa_token": mt, "second mfa_token": mt2, "totp seed": secret, "totp code": code, "wrong code": wrong,
        "access token": tokens["access_token"], "id token": tokens["id_token"],
        "refresh token": tokens["refresh_token"], "rotated refresh token": refreshed["refresh_token"],
        "refreshed access token": refreshed["access_token"], "recovery code": recovery,
        "new recovery code": recovered["recovery_code"], "recovery access token": recovered["access_token"],
    })


def _okta_totp_user(api, seen: dict, name: str) -> tuple[dict, str, str]:
    """A user with an authenticator app enrolled and activated through Okta's Factors API;
    returns the user (with its password), the factor's id and a code not used yet."""
    password = _password()
    user = api.create_user(password=password)
    f = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": "token:software:totp", "provider": "OKTA"}).json()
    secret = f["_embedded"]["activation"]["sharedSecret"]
    first, second = two_codes(secret)
    r = api.http.post(f["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": first})
    assert r.status_code == 200, r.text
    seen.update({f"{name} totp seed": secret, f"{name} activation code": first, f"{name} password": password})
    return {**user, "password": password}, f["id"], second


def _okta_totp_flow(api, seen: dict) -> None:
    """Enroll, activate and verify an authenticator app through Okta's Factors API (the verify
    on the hot lane)."""
    user, factor_id, code = _okta_totp_user(api, seen, "okta user")
    r = api.http.post(f"/api/v1/users/{user['id']}/factors/{factor_id}/verify", headers=api.ssws,
                      json={"passCode": code})
    assert r.status_code == 200 and r.json() == {"factorResult": "SUCCESS"}, r.text
    seen["okta verify code"] = code


def _sms_flow(server, api, seen: dict) -> None:
    """An SMS factor activated and verified with the codes the development outbox holds."""
    user, phone = api.create_user(password=_password()), new_phone()
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": phone}})
    assert r.status_code == 200, r.text
    factor = r.json()
    activation = latest_code(server, phone)
    r = api.http.post(factor["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": activation})
    assert r.status_code == 200, r.text
    verify = f"/api/v1/users/{user['id']}/factors/{factor['id']}/verify"
    assert api.http.post(verify, headers=api.ssws, json={}).json()["factorResult"] == "CHALLENGE"
    code = latest_code(server, phone)
    r = api.http.post(verify, headers=api.ssws, json={"passCode": code})
    assert r.json() == {"factorResult": "SUCCESS"}, r.text
    seen.update({"sms activation code": activation, "sms code": code, "phone number": phone,
                 "phone number digits": phone.lstrip("+")})


def _console_sign_in(server, api, seen: dict) -> None:
    """The Admin Console's sign-in of an administrator: the password, then the authenticator
    app's code."""
    admin, _, code = _okta_totp_user(api, seen, "administrator")
    grant_admin(server, admin["login"])
    with httpx.Client(base_url=server.base_url, headers={"Origin": server.base_url}) as http:
        page = http.get("/admin/signin")
        r = http.post("/admin/signin", data={"csrf": csrf_of(page), "username": admin["login"],
                                             "password": admin["password"], "next": "/admin/"})
        assert r.status_code == 303, r.text
        pending = http.cookies[SESSION_COOKIE]
        r = http.post("/admin/signin/factor", data={"csrf": csrf_token(pending), "next": "/admin/", "code": code})
        assert r.status_code == 303 and r.headers["location"] == "/admin/", r.text
        assert http.get("/admin/").status_code == 200
        seen.update({"console code": code, "console session cookie": http.cookies[SESSION_COOKIE],
                     "console pending cookie": pending})


def _found(value: str, log: bytes, seed: bool) -> bool:
    """Whether a secret is in the log: a seed in any encoding (test_secrets_at_rest._forms); a
    short one (a code) only as a whole token, not as digits inside a random request id."""
    if seed:
        return any(form in log for form in _forms(value))
    if len(value) < 12:
        return re.search(rb"(?<![0-9A-Za-z])" + re.escape(value.encode()) + rb"(?![0-9A-Za-z])", log) is not None
    return value.encode() in log


def test_the_main_flows_leave_no_secret_in_the_log(log_server):
    """R68: the log after sign-ins (Auth0 password + TOTP, refresh, recovery code), Okta factors
    (TOTP and SMS), admin API token calls and the console's sign-in, at debug level, holds none
    of the secrets they used; the access lines are there to be looked at."""
    api, seen = log_server.api(), {"admin API token": log_server.api_token, "webhook secret": WEBHOOK_SECRET}
    _auth0_flows(api, seen)
    _okta_totp_flow(api, seen)
    _sms_flow(log_server, api, seen)
    _console_sign_in(log_server, api, seen)
    log = log_server.log_text()
    lines = log.splitlines()
    if _format(log_server) == "json":
        objects = [json.loads(line) for line in lines]  # every line is one JSON object
        for o in objects:
            assert EVERY_LINE <= set(o), o
        access = [o for o in objects if o["event"] == "http.request"]
        for o in access:
            assert ACCESS_LINE <= set(o) and o["client_ip"] == "127.0.0.1", o
        routes = {o["route"] for o in access}
        assert {"/oauth/token", "/mfa/associate", "/api/v1/users/{user_id}/factors/{factor_id}/verify",
                "/admin/signin/factor"} <= routes, routes
    else:
        assert '"POST /oauth/token HTTP/1.1" 200 OK' in log and '"POST /admin/signin/factor HTTP/1.1" 303' in log
        assert all(" request_id=" in line for line in lines if '"POST /oauth/token HTTP' in line)
    for name, value in seen.items():
        assert not _found(value, log.encode(), "seed" in name), f"{name} found in the {_format(log_server)} log"


def test_a_request_id_given_is_echoed_and_on_its_line(log_server):
    given = "req-" + secrets.token_hex(8)
    r = httpx.get(log_server.base_url + "/.well-known/openid-configuration", headers={"X-Request-Id": given})
    assert r.status_code == 200 and r.headers["x-request-id"] == given
    (line,) = _lines_of(log_server, given)
    if _format(log_server) == "json":
        assert line["event"] == "http.request" and line["route"] == "/.well-known/openid-configuration"
        assert line["status"] == 200 and line["client_ip"] == "127.0.0.1"
    else:
        assert '"GET /.well-known/openid-configuration HTTP/1.1" 200 OK' in line


def test_without_an_id_one_is_made_for_each_request(log_server):
    ids = [httpx.post(log_server.base_url + "/oauth/token", data={}).headers["x-request-id"] for _ in range(2)]
    assert all(GENERATED_ID.match(i) for i in ids) and ids[0] != ids[1]
    for request_id in ids:
        assert len(_lines_of(log_server, request_id)) == 1


@pytest.mark.parametrize("given", ["x" * 129, "two words", 'quo"te', "semi;colon", "<b>"])
def test_a_malformed_id_is_replaced(log_server, given):
    r = httpx.get(log_server.base_url + "/.well-known/jwks.json", headers={"X-Request-Id": given})
    replaced = r.headers["x-request-id"]
    assert GENERATED_ID.match(replaced) and len(_lines_of(log_server, replaced)) == 1
    assert given not in log_server.log_text()


def test_an_event_inside_a_request_carries_its_id(log_server):
    """A voice call the provider fails: the warning for the operator and the access line both
    carry the request's id (and the number and the code neither)."""
    api, phone, given = log_server.api(), new_phone(), "voice-" + secrets.token_hex(6)
    user = api.create_user(password=_password())
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers={**api.ssws, "X-Request-Id": given},
                      json={"factorType": "call", "provider": "OKTA", "profile": {"phoneNumber": phone}})
    assert r.status_code == 503 and r.json()["errorCode"] == "E0000138", r.text
    assert r.headers["x-request-id"] == given
    failed, access = _lines_of(log_server, given)
    if _format(log_server) == "json":
        assert failed["event"] == "delivery.failed" and failed["level"] == "warning"
        assert failed["channel"] == "voice" and failed["route"] == "/api/v1/users/{user_id}/factors"
        assert access["event"] == "http.request" and access["status"] == 503
    else:
        assert failed.startswith("WARNING:  a code could not be sent: ") and " channel=voice " in failed
        assert '"POST /api/v1/users/' in access and " 503 Service Unavailable " in access
    assert phone not in log_server.log_text() and phone.lstrip("+") not in log_server.log_text()


# --- trusted proxies ---------------------------------------------------------------------------


def _failed_sign_in_ip(server, forwarded_for: str) -> tuple[str, list]:
    """A wrong password sent with X-Forwarded-For: the address the System Log recorded, and the
    request's log lines."""
    api, given = server.api(), "xff-" + secrets.token_hex(6)
    client, user = api.create_client(), api.create_user(password=_password())
    r = api.http.post("/oauth/token", headers={"X-Forwarded-For": forwarded_for, "X-Request-Id": given}, data={
        "grant_type": "password", "username": user["login"], "password": "wrong", "client_id": client["client_id"],
        "client_secret": client["client_secret"]})
    assert r.status_code == 403, r.text
    r = api.http.get("/api/v1/logs", headers=api.ssws, params={"filter": f'actor.id eq "{user["id"]}"'})
    (event,) = [e for e in r.json() if e["outcome"]["result"] == "FAILURE"]
    return event["client"]["ipAddress"], _lines_of(server, given)


def test_forwarded_for_is_ignored_from_a_peer_not_trusted(log_server):
    """By default no proxy is trusted: a client cannot choose the address the audit log records."""
    ip, lines = _failed_sign_in_ip(log_server, "203.0.113.9")
    assert ip == "127.0.0.1"
    if _format(log_server) == "json":
        assert [line["client_ip"] for line in lines] == ["127.0.0.1"]
    else:
        assert lines[0].startswith('INFO:     127.0.0.1 - "POST /oauth/token HTTP/1.1" 403')


@pytest.fixture(scope="module")
def proxied_server(backend, make_server):
    return make_server(backend, extra_env={"TWOFOLD_TRUSTED_PROXIES": "127.0.0.0/8, 10.0.0.0/8",
                                           "TWOFOLD_LOG_FORMAT": "json"})


def test_forwarded_for_is_believed_from_a_trusted_proxy(proxied_server):
    """The right-most address that is not a trusted proxy is the client, in the audit log (the
    System Log's client.ipAddress) and the log; entries the client wrote itself are not."""
    ip, (line,) = _failed_sign_in_ip(proxied_server, "198.51.100.1, 203.0.113.9, 10.1.2.3")
    assert ip == "203.0.113.9" and line["client_ip"] == "203.0.113.9"
    ip, (line,) = _failed_sign_in_ip(proxied_server, "203.0.113.9, not-an-address, 10.1.2.3")
    assert ip == "10.1.2.3" and line["client_ip"] == "10.1.2.3"  # the walk stops at the garbage


@pytest.mark.parametrize("log_format", FORMATS)
def test_serve_refuses_a_trusted_proxies_setting_that_is_no_network(tmp_path, log_format):
    env = {**os.environ, "TWOFOLD_DATA_DIR": str(tmp_path), "TWOFOLD_LOG_FORMAT": log_format,
           "TWOFOLD_TRUSTED_PROXIES": "10.0.0.0/8,10.0.0.0/33"}
    r = subprocess.run([sys.executable, "-m", "twofold", "serve", "--port", str(free_port())], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stderr
    message = "TWOFOLD_TRUSTED_PROXIES: '10.0.0.0/33' is not an IP network"
    if log_format == "json":
        (line,) = [json.loads(line) for line in r.stderr.splitlines()]
        assert line["level"] == "error" and line["event"] == "serve.refused" and message in line["message"]
    else:
        assert r.stderr.startswith("twofold: " + message) and "Traceback" not in r.stderr
    assert not (tmp_path / "twofold.db").exists()  # refused before anything was made
