"""Every management endpoint that takes a JSON body, swept with members of the wrong JSON type
(issue #10): never a 500; a 400 in the dialect's own shape that names the member at fault
(Okta's E0000001 under /api/v1/, RFC 7591's `invalid_client_metadata` at /oauth2/v1/clients);
and a refused request stores nothing and changes nothing. The endpoints come from the app's own
routes, so one added later must be listed here (and is then swept) or this test fails.

R49 (each dialect's error format), R69 (a refusal leaves no partial state), R70 (one
transaction per use case)."""
from __future__ import annotations

import copy
import json
import secrets

import pytest

from ..support import PASSWORD, app_routes, db_rows, okta_error, user_with_totp, wrong_code

AS = "/api/v1/authorizationServers/{server_id}"
FACTOR = "/api/v1/users/{user_id}/factors/{factor_id}"

# Routes that read no body: their path says everything (lifecycle operations, a new secret).
NO_BODY = {
    ("POST", "/api/v1/users/{user_id}/lifecycle/{operation}"),
    ("POST", "/api/v1/authenticators/{authenticator_id}/lifecycle/{operation}"),
    ("POST", "/api/v1/authenticators/{authenticator_id}/methods/{method_type}/lifecycle/{operation}"),
    ("POST", "/api/v1/authorizationServers/{server_id}/lifecycle/{operation}"),
    ("POST", AS + "/policies/{policy_id}/lifecycle/{operation}"),
    ("POST", AS + "/policies/{policy_id}/rules/{rule_id}/lifecycle/{operation}"),
    ("POST", "/api/v1/apps/{app_id}/lifecycle/{operation}"),
    ("POST", "/api/v1/apps/{app_id}/credentials/secrets"),
}


def _name() -> str:
    return "sweep-" + secrets.token_hex(4)


def _login() -> str:
    return f"{_name()}@example.com"


def _profile(login: str | None = None) -> dict:
    login = login or _login()
    return {"login": login, "email": login, "firstName": "Sweep", "lastName": "Test"}


def _app(label: str | None = None) -> dict:
    return {"name": "oidc_client", "label": label or _name(), "signOnMode": "OPENID_CONNECT",
            "credentials": {"oauthClient": {"token_endpoint_auth_method": "client_secret_post"}},
            "settings": {"oauthClient": {"grant_types": ["password"], "application_type": "native",
                                         "redirect_uris": ["https://app.example.com/cb"], "response_types": ["code"]}}}


def _enroll_policy() -> dict:
    return {"type": "MFA_ENROLL", "name": _name(), "description": "d", "priority": 5, "status": "INACTIVE",
            "settings": {"type": "AUTHENTICATORS", "authenticators": [
                {"key": key, "enroll": {"self": "OPTIONAL"}} for key in ("google_otp", "okta_verify", "security_question")]}}


def _server_policy() -> dict:
    return {"name": _name(), "description": "d", "priority": 1, "status": "ACTIVE",
            "conditions": {"clients": {"include": ["ALL_CLIENTS"]}}}


def _rule() -> dict:
    return {"name": _name(), "priority": 1, "status": "ACTIVE",
            "conditions": {"grantTypes": {"include": ["password"]}, "scopes": {"include": ["*"]}},
            "actions": {"token": {"accessTokenLifetimeMinutes": 60, "refreshTokenLifetimeMinutes": 0,
                                  "refreshTokenWindowMinutes": 10080}}}


def _scope() -> dict:
    return {"name": _name(), "displayName": "d", "description": "d", "default": False, "consent": "IMPLICIT",
            "metadataPublish": "NO_CLIENTS"}


def _claim() -> dict:
    return {"name": _name(), "value": "user.email", "valueType": "EXPRESSION", "claimType": "RESOURCE",
            "status": "ACTIVE", "alwaysIncludeInToken": True, "conditions": {"scopes": ["openid"]}}


def _client() -> dict:
    return {"client_name": _name(), "grant_types": ["password"], "token_endpoint_auth_method": "client_secret_post",
            "application_type": "service", "redirect_uris": ["https://app.example.com/cb"], "response_types": ["code"]}


# (method, route) → a valid body (made afresh for every request: names stay unique).
BODIES = {
    ("POST", "/api/v1/users"): lambda o: {"profile": _profile(), "credentials": {"password": {"value": PASSWORD}}},
    ("POST", "/api/v1/users/{user_id}"): lambda o: {"profile": {"firstName": "Swept"},
                                                    "credentials": {"password": {"value": PASSWORD}}},
    ("PUT", "/api/v1/users/{user_id}"): lambda o: {"profile": _profile(o["login"])},
    ("POST", "/api/v1/users/{user_id}/factors"): lambda o: {
        "factorType": "question", "provider": "OKTA", "profile": {"question": "disliked_food", "answer": "Mayonnaise"}},
    ("POST", FACTOR + "/lifecycle/activate"): lambda o: {"passCode": o["wrong"]},
    ("POST", FACTOR + "/verify"): lambda o: {"passCode": o["wrong"]},
    ("POST", "/api/v1/apps"): lambda o: _app(),
    ("PUT", "/api/v1/apps/{app_id}"): lambda o: _app(o["app_label"]),
    ("POST", "/api/v1/authenticators"): lambda o: {"key": "okta_email", "name": "Email",
                                                   "settings": {"allowedFor": "any", "tokenLifetimeInMinutes": 5}},
    ("PUT", "/api/v1/authenticators/{authenticator_id}"): lambda o: {
        "name": "Google Authenticator", "settings": {"algorithm": "SHA1", "digits": 6, "period": 30}},
    ("POST", "/api/v1/policies"): lambda o: _enroll_policy(),
    ("PUT", "/api/v1/policies/{policy_id}"): lambda o: _enroll_policy(),
    ("POST", "/api/v1/authorizationServers"): lambda o: {"name": _name(), "description": "d", "audiences": ["api://s"]},
    ("PUT", AS): lambda o: {"name": o["server_name"], "description": "d", "audiences": ["api://s"]},
    ("POST", AS + "/policies"): lambda o: _server_policy(),
    ("PUT", AS + "/policies/{policy_id}"): lambda o: _server_policy(),
    ("POST", AS + "/policies/{policy_id}/rules"): lambda o: _rule(),
    ("PUT", AS + "/policies/{policy_id}/rules/{rule_id}"): lambda o: _rule(),
    ("POST", AS + "/scopes"): lambda o: _scope(),
    ("PUT", AS + "/scopes/{scope_id}"): lambda o: _scope(),
    ("POST", AS + "/claims"): lambda o: _claim(),
    ("PUT", AS + "/claims/{claim_id}"): lambda o: _claim(),
    ("POST", "/oauth2/v1/clients"): lambda o: _client(),
}
# A wrong code is a well-formed request: the verifier answers it (403), as it does a number.
# Every catalogued authenticator exists on a fresh org (Phone and Email too), so adding one is a
# well-formed request refused as a duplicate (400 naming `key`), after every member is checked.
ANSWERED = {("POST", FACTOR + "/lifecycle/activate"): 403, ("POST", FACTOR + "/verify"): 403,
            ("POST", "/api/v1/authenticators"): 400}
NUMBER_ACCEPTED = {"passCode"}  # Okta's passCode may come as a JSON number
# The object a write changes, to prove a refusal changed nothing.
READ_BACK = {("POST", "/api/v1/users/{user_id}"): "/api/v1/users/{user_id}",
             ("POST", FACTOR + "/lifecycle/activate"): FACTOR, ("POST", FACTOR + "/verify"): FACTOR}


def _management(method: str, path: str) -> bool:
    return method in ("POST", "PUT", "PATCH") and (path.startswith("/api/v1/") or path == "/oauth2/v1/clients")


def test_every_management_write_is_swept_or_declared_bodiless():
    writes = {(m, p) for m, p in app_routes() if _management(m, p)}
    assert writes, "no management routes found"
    assert writes - set(BODIES) - NO_BODY == set(), "a new management endpoint: add it to BODIES or NO_BODY"
    assert set(BODIES) | NO_BODY <= writes, "a listed endpoint no longer exists"


# --- the mutations ---------------------------------------------------------------------------

WRONG = {"number": 5, "array": [1], "object": {"x": 1}, "string": "x", "null": None, "boolean": True}


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return {int: "number", float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def _mutations(body, path=()):
    """(path, kind): every member of every object and the first element of every array, with
    every JSON type it does not have."""
    items = body.items() if isinstance(body, dict) else list(enumerate(body))[:1]
    for key, value in items:
        yield from (((*path, key), kind) for kind in WRONG if kind != _kind(value))
        if isinstance(value, (dict, list)) and value:
            yield from _mutations(value, (*path, key))


def _member(path: tuple) -> str:
    """The member an error must name: the last object key (an array element is its array's)."""
    return next(str(k) for k in reversed(path) if isinstance(k, str))


def _error_text(r, okta: bool) -> str:
    if okta:
        body = okta_error(r, 400, "E0000001")
        return " ".join([body["errorSummary"], *(c["errorSummary"] for c in body["errorCauses"])])
    assert r.status_code == 400, (r.status_code, r.text)
    body = r.json()
    assert body["error"] == "invalid_client_metadata" and body["error_description"], body
    return body["error_description"]


def _refused_malformed(r, okta: bool) -> None:
    if okta:
        okta_error(r, 400, "E0000003", "The request body was not well-formed.")
    else:
        assert r.status_code == 400 and r.json()["error"] == "invalid_request", (r.status_code, r.text)


# --- the fixture: a server of its own, and an object of every kind -----------------------------

@pytest.fixture(scope="module")
def sweep(backend, make_server):
    srv = make_server(backend, extra_env={"TWOFOLD_MANAGEMENT_RATE_LIMIT_PER_MINUTE": "1000000"})
    api = srv.api()

    def made(method, url, body, status=200):
        r = api.http.request(method, url, headers=api.ssws, json=body)
        assert r.status_code == status, r.text
        return r.json()

    user = api.create_user()
    pending = made("POST", f"/api/v1/users/{user['id']}/factors",
                   {"factorType": "token:software:totp", "provider": "GOOGLE"})
    verifier, _ = user_with_totp(api)
    (factor,) = [f for f in made("GET", f"/api/v1/users/{verifier['id']}/factors", None)
                 if f["factorType"] == "token:software:totp"]
    server = made("POST", "/api/v1/authorizationServers", {"name": _name(), "audiences": ["api://s"]})
    base = f"/api/v1/authorizationServers/{server['id']}"
    policy = made("POST", base + "/policies", _server_policy(), 201)
    app = made("POST", "/api/v1/apps", _app())
    google = next(a for a in made("GET", "/api/v1/authenticators", None) if a["key"] == "google_otp")
    ids = {
        "user_id": user["id"], "authenticator_id": google["id"], "server_id": server["id"], "app_id": app["id"],
        "rule_id": made("POST", f"{base}/policies/{policy['id']}/rules", _rule(), 201)["id"],
        "scope_id": made("POST", base + "/scopes", _scope(), 201)["id"],
        "claim_id": made("POST", base + "/claims", _claim(), 201)["id"],
    }
    enroll_policy = made("POST", "/api/v1/policies", _enroll_policy())
    objects = {"login": user["login"], "app_label": app["label"], "server_name": server["name"],
               "wrong": wrong_code(verifier["secret"])}

    def ids_for(method, route):
        # Each route's {policy_id} is the policy of its own kind; the factor routes act on a
        # pending factor (activate) or an active one (verify).
        out = dict(ids, policy_id=policy["id"] if route.startswith(AS) else enroll_policy["id"])
        if route.endswith("/activate"):
            out["factor_id"] = pending["id"]
        elif route.endswith("/verify"):
            out.update(user_id=verifier["id"], factor_id=factor["id"])
        return out

    tables = [t for (t,) in db_rows(srv, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                                         if srv.database_url.startswith("postgresql")
                                         else "SELECT name FROM sqlite_master WHERE type = 'table'")
              if t != "alembic_version" and not t.startswith("sqlite_")]
    count_all = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in sorted(tables))
    counts = lambda: {t: int(n) for t, n in db_rows(srv, count_all)}  # noqa: E731
    return api, objects, ids_for, counts


@pytest.mark.parametrize("method,route", sorted(BODIES))
def test_wrong_member_types_are_400_and_change_nothing(sweep, method, route):
    api, objects, ids_for, counts = sweep
    url = route.format(**ids_for(method, route))
    okta = route.startswith("/api/v1/")
    read_back = READ_BACK.get((method, route), url if method == "PUT" else None)
    read_back = read_back.format(**ids_for(method, route)) if read_back else None

    def send(body):
        return api.http.request(method, url, headers={**api.ssws, "content-type": "application/json"},
                                content=json.dumps(body))

    def state():
        return counts(), api.http.get(read_back, headers=api.ssws).json() if read_back else None

    r = send(BODIES[method, route](objects))  # the valid body is answered, not refused as malformed
    assert r.status_code in ((ANSWERED[method, route],) if (method, route) in ANSWERED else (200, 201)), r.text

    before = state()
    for top in ([], "x", 5, None, True):  # not an object at all
        r = send(top)
        _refused_malformed(r, okta)
        assert state() == before, f"{top!r} changed something"

    problems, refused = [], 0
    for path, kind in list(_mutations(BODIES[method, route](objects))):
        body = BODIES[method, route](objects)  # afresh: a name an accepted request took is not reused
        _put(body, path, copy.deepcopy(WRONG[kind]))
        r = send(body)
        where = f"{'.'.join(map(str, path))} as {kind}: {r.status_code} {r.text[:300]}"
        if r.status_code >= 500:
            problems.append(where)
            before = state()
            continue
        null_member = kind == "null" and isinstance(path[-1], str)
        if null_member or kind == "number" and path[-1] in NUMBER_ACCEPTED:
            # Null is an absent member: refused if required, else the request goes on.
            if r.status_code != 400:
                if r.status_code not in (200, 201, ANSWERED.get((method, route))):
                    problems.append(where)
                before = state()
                continue
        try:
            text = _error_text(r, okta)
        except AssertionError:
            problems.append(where)
            before = state()
            continue
        if not null_member and _member(path) not in text:
            problems.append("does not name the member: " + where)
        if state() != before:
            problems.append("refused, yet something changed: " + where)
            before = state()
        refused += 1
    assert not problems, "\n".join(problems)
    assert refused >= 3


def _put(body, path: tuple, value) -> None:
    for key in path[:-1]:
        body = body[key]
    body[path[-1]] = value
