"""Test helpers: an HTTP client that knows twofold's APIs, and independent TOTP codes."""
from __future__ import annotations

import re

import secrets
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlparse

import httpx

MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp"
MFA_RECOVERY = "http://auth0.com/oauth/grant-type/mfa-recovery-code"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
ALL_GRANTS = ["password", PASSWORD_REALM, MFA_OTP, MFA_RECOVERY, "refresh_token"]
PASSWORD = "correct-horse-battery-9"


def oathtool_totp(secret_b32: str, at: float | None = None, digits: int = 6, period: int = 30,
                  algorithm: str = "SHA1") -> str:
    """A code from Debian's oathtool: an implementation independent of ours."""
    args = ["oathtool", f"--totp={algorithm.lower()}", "-b", f"--digits={digits}", f"--time-step-size={period}s",
            secret_b32]
    if at is not None:
        args.insert(1, f"--now=@{int(at)}")
    return subprocess.check_output(args, text=True).strip()


def secret_from_uri(uri: str) -> str:
    return parse_qs(urlparse(uri).query)["secret"][0]


def fresh_code(secret_b32: str) -> str:
    """The code for now, taken early enough in its 30 s step that the server (±1 step) agrees;
    never sleeps for a step: late in a step it uses the next step's code, which the window accepts."""
    now = time.time()
    if now % 30 > 25:
        return oathtool_totp(secret_b32, now + 30)
    return oathtool_totp(secret_b32, now)


def two_codes(secret_b32: str) -> tuple[str, str]:
    """Two codes of consecutive steps, both inside the server's ±1 window for at least
    10 seconds; use them in order (a later step makes earlier ones replays, R2)."""
    now = time.time()
    if now % 30 <= 20:
        return oathtool_totp(secret_b32, now - 30), oathtool_totp(secret_b32, now)
    return oathtool_totp(secret_b32, now), oathtool_totp(secret_b32, now + 30)


def wrong_code(secret_b32: str) -> str:
    """A six-digit code that is valid for no step near now."""
    now = time.time()
    valid = {oathtool_totp(secret_b32, now + 30 * d) for d in range(-3, 4)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


class Api:
    def __init__(self, base_url: str, api_token: str, issuer: str) -> None:
        self.base_url = base_url
        self.api_token = api_token
        self.issuer = issuer
        self.http = httpx.Client(base_url=base_url, timeout=30)

    # management (SSWS)
    @property
    def ssws(self) -> dict:
        return {"Authorization": f"SSWS {self.api_token}"}

    def create_user(self, login: str | None = None, password: str = PASSWORD) -> dict:
        login = login or f"user-{secrets.token_hex(5)}@example.com"
        r = self.http.post("/api/v1/users?activate=true", headers=self.ssws, json={
            "profile": {"login": login, "email": login, "firstName": "Test", "lastName": "User"},
            "credentials": {"password": {"value": password}},
        })
        assert r.status_code == 200, r.text
        return {**r.json(), "password": password, "login": login}

    def create_client(self, grant_types: list[str] | None = None, method: str = "client_secret_post") -> dict:
        r = self.http.post("/oauth2/v1/clients", headers=self.ssws, json={
            "client_name": "test-" + secrets.token_hex(3), "grant_types": grant_types or ALL_GRANTS,
            "token_endpoint_auth_method": method,
        })
        assert r.status_code == 201, r.text
        return r.json()

    # Auth0 dialect
    def token(self, client: dict, **params) -> httpx.Response:
        body = {"client_id": client["client_id"], **params}
        if client.get("client_secret"):
            body["client_secret"] = client["client_secret"]
        return self.http.post("/oauth/token", data=body)

    def password_login(self, client: dict, user: dict, **extra) -> httpx.Response:
        return self.token(client, grant_type="password", username=user["login"], password=user["password"], **extra)

    def mfa_token(self, client: dict, user: dict, **extra) -> str:
        r = self.password_login(client, user, **extra)
        assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text
        return r.json()["mfa_token"]

    def associate(self, bearer: str) -> httpx.Response:
        return self.http.post("/mfa/associate", headers={"Authorization": f"Bearer {bearer}"},
                              json={"authenticator_types": ["otp"]})

    def mfa_otp(self, client: dict, mfa_token: str, otp: str) -> httpx.Response:
        return self.token(client, grant_type=MFA_OTP, mfa_token=mfa_token, otp=otp)

    def associated_user(self, client: dict) -> tuple[dict, str, str]:
        """A new user mid-enrolment: (user, the mfa_token, the unconfirmed TOTP secret)."""
        user = self.create_user()
        mfa_token = self.mfa_token(client, user)
        assoc = self.associate(mfa_token)
        assert assoc.status_code == 200, assoc.text
        return user, mfa_token, assoc.json()["secret"]

    def enrolled_user(self, client: dict, **login_extra) -> dict:
        """A user with a confirmed TOTP factor; returns user, secret and recovery code."""
        user = self.create_user()
        mt = self.mfa_token(client, user, **login_extra)
        assoc = self.associate(mt)
        assert assoc.status_code == 200, assoc.text
        secret = assoc.json()["secret"]
        code, next_code = two_codes(secret)
        r = self.mfa_otp(client, mt, code)
        assert r.status_code == 200, r.text
        return {**user, "secret": secret, "recovery_code": assoc.json()["recovery_codes"][0],
                "confirm_code": code, "next_code": next_code, "tokens": r.json()}


def parallel(fn, n: int) -> list:
    """Run fn(i) n times at once, released together by a barrier."""
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def okta_error(r, status: int, code: str, summary: str | None = None) -> dict:
    """An Okta management error: status, content type, and the error body's members."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].split(";")[0].strip() == "application/json"
    body = r.json()
    assert body["errorCode"] == code and body["errorLink"] == code, body
    assert isinstance(body["errorId"], str) and body["errorId"].startswith("oae") and body["errorSummary"]
    assert isinstance(body["errorCauses"], list)
    assert all(isinstance(c, dict) and isinstance(c.get("errorSummary"), str) for c in body["errorCauses"])
    if summary is not None:
        assert body["errorSummary"] == summary, body
    return body


_LINK = re.compile(r'<([^>]+)>;\s*rel="([a-z]+)"')


def link_headers(r) -> dict[str, str]:
    """rel → href of a response's Link headers."""
    out = {}
    for value in r.headers.get_list("link"):
        for href, rel in _LINK.findall(value):
            out[rel] = href
    return out


# --- the admin plane's org-wide state (tests that change it put it back) ----------------------

def authenticators_by_key(api: Api) -> dict[str, dict]:
    r = api.http.get("/api/v1/authenticators", headers=api.ssws)
    assert r.status_code == 200, r.text
    return {a["key"]: a for a in r.json()}


def default_enroll_policy(api: Api) -> dict:
    r = api.http.get("/api/v1/policies", params={"type": "MFA_ENROLL"}, headers=api.ssws)
    assert r.status_code == 200, r.text
    (policy,) = [p for p in r.json() if p["system"]]
    return policy


def put_enroll_modes(api: Api, policy: dict, **modes: str) -> httpx.Response:
    """PUT the policy with these authenticators' enroll.self changed (or added)."""
    entries = [{"key": e["key"], "enroll": {"self": modes.pop(e["key"], e["enroll"]["self"])}}
               for e in policy["settings"]["authenticators"]]
    entries += [{"key": k, "enroll": {"self": m}} for k, m in modes.items()]
    body = {"name": policy["name"], "type": "MFA_ENROLL",
            "settings": {"type": "AUTHENTICATORS", "authenticators": entries}}
    return api.http.put(f"/api/v1/policies/{policy['id']}", headers=api.ssws, json=body)


def server_policies_url(server_id: str = "default") -> str:
    return f"/api/v1/authorizationServers/{server_id}/policies"


def default_server_rule(api: Api, server_id: str = "default") -> tuple[dict, dict]:
    """The server's Default Policy and its Default Policy Rule."""
    base = server_policies_url(server_id)
    (policy,) = [p for p in api.http.get(base, headers=api.ssws).json() if p["name"] == "Default Policy"]
    (rule,) = [r for r in api.http.get(f"{base}/{policy['id']}/rules", headers=api.ssws).json()
               if r["name"] == "Default Policy Rule"]
    return policy, rule


def put_server_rule(api: Api, policy: dict, rule: dict, server_id: str = "default", *,
                    conditions: dict | None = None, actions: dict | None = None) -> httpx.Response:
    """PUT the rule as it was, with `conditions` merged in and `actions` replaced if given."""
    body = {"name": rule["name"], "type": "RESOURCE_ACCESS", "priority": rule["priority"],
            "conditions": {**rule["conditions"], **(conditions or {})}, "actions": actions or rule["actions"]}
    return api.http.put(f"{server_policies_url(server_id)}/{policy['id']}/rules/{rule['id']}", headers=api.ssws,
                        json=body)


def user_with_totp(api: Api, provider: str = "OKTA") -> tuple[dict, str]:
    """A user with an active authenticator app (enrolled through the Okta API); returns the
    user (with its `secret`) and a code not used yet."""
    user = api.create_user()
    f = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": "token:software:totp", "provider": provider}).json()
    secret = f["_embedded"]["activation"]["sharedSecret"]
    first, second = two_codes(secret)
    assert api.http.post(f["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": first}).status_code == 200
    return {**user, "secret": secret}, second


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token of the first form of an Admin Console page."""
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def okta_token(api: Api, path: str, client: dict, **data) -> httpx.Response:
    """POST to an Okta token endpoint: HTTP Basic for a client with a secret, else client_id."""
    if client.get("client_secret"):
        return api.http.post(path, data=data, auth=(client["client_id"], client["client_secret"]))
    return api.http.post(path, data={**data, "client_id": client["client_id"]})


def db_rows(server, sql: str) -> list[tuple]:
    """Rows of a query on the server's own database, read as an operator would (psql or sqlite3)."""
    import sqlite3

    if server.database_url.startswith("postgresql"):
        out = subprocess.check_output(["psql", server.database_url, "-At", "-F", "\t", "-c", sql], text=True)
        return [tuple(line.split("\t")) for line in out.splitlines() if line]
    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as db:
        return db.execute(sql).fetchall()


def app_routes() -> list[tuple[str, str]]:
    """(method, path template) of every route the app serves: FastAPI's and the hot lane's, so a
    test that sweeps endpoints also sweeps one added later."""
    from twofold.app import create_app

    def walk(routes):
        for route in routes:
            if hasattr(route, "original_router"):  # an included router
                yield from walk(route.original_router.routes)
            else:
                yield route

    front = create_app()
    out = {(method, route.path) for route in walk(front.app.routes) for method in (getattr(route, "methods", None) or ())}
    out |= {(route.method, route.path) for route in front.routes}
    return sorted(out)


# --- codes sent by SMS, voice and email: read from the server's outbox, as a phone would ------

def new_phone() -> str:
    """A valid North American mobile number (libphonenumber accepts it), new to the server:
    the send budgets count per number, so each test texts its own."""
    from twofold.domain.contact import BadContact, parse_phone

    while True:
        candidate = f"+1415{secrets.randbelow(10 ** 7):07d}"
        try:
            return parse_phone(candidate)
        except BadContact:
            continue


def new_email() -> str:
    return f"codes-{secrets.token_hex(5)}@example.com"


def outbox(server, to: str) -> list[tuple[str, str]]:
    """(channel, text) of the messages the server's development outbox holds for `to`, newest
    first, read from its database as an operator would (psql or sqlite3)."""
    import sqlite3

    quoted = to.replace("'", "''")
    sql = (f"SELECT channel || ':' || body FROM outbox_messages WHERE recipient = '{quoted}' "
           "ORDER BY created_at DESC, id")
    if server.database_url.startswith("postgresql"):  # NUL-separated: an email's text has newlines
        out = subprocess.check_output(["psql", server.database_url, "-At", "-0", "-c", sql], text=True)
        rows = [r for r in out.split("\0") if r]
    else:
        with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as db:
            rows = [r for (r,) in db.execute(sql).fetchall()]
    return [tuple(r.split(":", 1)) for r in rows]


def latest_code(server, to: str) -> str:
    """The code of the newest message to `to`, read off its text (a voice says it digit by digit)."""
    messages = outbox(server, to)
    assert messages, f"no message to {to}"
    found = re.search(r"code is ([\d, ]+)", messages[0][1])
    assert found, messages[0][1]
    return re.sub(r"\D", "", found.group(1))
