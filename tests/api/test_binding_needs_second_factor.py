"""Issue #10's second-factor bypasses, as the outside attack ran them over HTTP: a user with any
enrolled factor, usable here or not, is enrolled, so the password alone never binds another
factor (R35, R47) in the Auth0 dialect, Okta's direct authentication or the Admin Console; a
token for the MFA API earned without a second factor has no power over factors that exist, and
a refresh never mints one for a user who has enrolled since (R38); client credentials get no
MFA-API token (R57)."""
from __future__ import annotations

import httpx
import jwt
import pytest

from twofold.dialects.console.web import SESSION_COOKIE, csrf_token

from ..browser.conftest import grant_admin
from ..support import (
    MFA_OTP, MFA_RECOVERY, PASSWORD, csrf_of, db_rows, default_enroll_policy, fresh_code, okta_token, put_enroll_modes, two_codes, user_with_totp,
)

MFA_API_SCOPES = "enroll read:authenticators remove:authenticators"
QUESTION = {"factorType": "question", "provider": "OKTA",
            "profile": {"question": "disliked_food", "answer": "Mayonnaise"}}
NO_USABLE = ("Multifactor authentication is required, but none of the user's authenticators can be used here. "
             "An administrator can reset the user's authenticators.")
OKTA_AUTHENTICATOR = ("The required authenticator can't be used. Check if it's required by policy and the user is "
                      "enrolled in the authenticator and try again.")


def _factors(api, user) -> list[dict]:
    r = api.http.get(f"/api/v1/users/{user['id']}/factors", headers=api.ssws)
    assert r.status_code == 200, r.text
    return r.json()


def _question_only_user(api) -> dict:
    user = api.create_user()
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws, json=QUESTION)
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
    return user


def _refused_without_token(r: httpx.Response) -> None:
    assert (r.status_code, r.json()) == (403, {"error": "access_denied", "error_description": NO_USABLE}), r.text
    assert r.headers["cache-control"] == "no-store"


def test_question_only_user_is_refused_not_enrolled_in_the_auth0_dialect(api):
    """The attack: password → mfa_required {"enroll":[otp]} → /mfa/associate binds the
    attacker's TOTP → tokens with amr mfa. Now the password step answers a refusal and no
    mfa_token, so nothing can be associated (R35, R47)."""
    client = api.create_client()
    user = _question_only_user(api)
    r = api.password_login(client, user, scope="openid")
    _refused_without_token(r)
    assert "mfa_token" not in r.json()
    assert [f["factorType"] for f in _factors(api, user)] == ["question"]  # nothing was bound


def test_question_only_user_is_refused_by_okta_direct_authentication(api):
    client = api.create_client(["password", MFA_OTP], method="client_secret_basic")
    user = _question_only_user(api)
    for prefix in ("/oauth2", "/oauth2/default"):
        r = okta_token(api, f"{prefix}/v1/token", client, grant_type="password", username=user["login"],
                       password=user["password"], scope="openid")
        assert (r.status_code, r.json()) == (403, {"error": "access_denied",
                                                   "error_description": OKTA_AUTHENTICATOR}), r.text


def test_the_password_alone_never_binds_for_a_totp_user(api):
    """A guard of the ordinary case beside the new ones: the password step's mfa_token of a
    user with an authenticator app binds nothing (R35). That a passed second factor still may
    is test_okta_admin_authenticators.py::test_a_required_authenticator_is_enrolled_before_any_token."""
    client = api.create_client()
    user = api.enrolled_user(client)
    r = api.password_login(client, user)
    assert r.status_code == 403 and "challenge" in r.json()["mfa_requirements"]
    assert api.associate(r.json()["mfa_token"]).status_code == 403  # the password alone: refused


def _console_password_step(server, http: httpx.Client, login: str) -> httpx.Response:
    """Signs in with the password; the second step's page."""
    page = http.get("/admin/signin")
    r = http.post("/admin/signin", data={"csrf": csrf_of(page), "username": login, "password": PASSWORD,
                                         "next": "/admin/"})
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/signin/factor"), r.text
    return http.get(r.headers["location"])


def _second_step(http: httpx.Client, **data) -> httpx.Response:
    # Posted with the session's own CSRF token, as a page (or an attacker holding the cookie) would.
    return http.post("/admin/signin/factor", data={"csrf": csrf_token(http.cookies[SESSION_COOKIE]),
                                                   "next": "/admin/", **data})


def _console(server) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"Origin": server.base_url})


def test_console_asks_the_question_before_an_administrator_binds_an_app(server):
    """The attack on the console: an administrator whose only factor is a security question
    gave the password and was offered "Set up an authenticator app". Now the console asks the
    question first (same verifier and lockout counter); a forged enrollment before it binds
    nothing; after it, the app is bound and its first code signs in (R35, R30)."""
    api = server.api()
    admin = _question_only_user(api)
    grant_admin(server, admin["login"])
    with _console(server) as http:
        page = _console_password_step(server, http, admin["login"])
        assert page.status_code == 200 and "Answer your security question" in page.text
        assert "What is the food you least liked as a child?" in page.text
        assert "Set up an authenticator app" not in page.text

        r = _second_step(http, action="enroll")  # forged: no answer given
        assert r.status_code == 403 and "does not match" in r.text and "Scan the QR code" not in r.text, r.text
        r = _second_step(http, answer="ketchup")
        assert r.status_code == 403 and "does not match" in r.text
        assert [f["factorType"] for f in _factors(api, admin)] == ["question"]  # nothing was bound
        assert http.get("/admin/", follow_redirects=False).status_code == 303  # not signed in

        r = _second_step(http, answer=" mayonnaise ")
        assert r.status_code == 200 and "Set up an authenticator app" in r.text, r.text
        r = _second_step(http, action="enroll")
        assert r.status_code == 200 and "Scan the QR code" in r.text, r.text
        secret = r.text.split('id="shared-secret">', 1)[1].split("<", 1)[0]
        factor_id = r.text.split('name="factor_id" value="', 1)[1].split('"', 1)[0]
        r = _second_step(http, factor_id=factor_id, code=fresh_code(secret))
        assert r.status_code == 303 and r.headers["location"] == "/admin/", r.text
        assert http.get("/admin/", follow_redirects=False).status_code == 200
    assert sorted(f["factorType"] for f in _factors(api, admin)) == ["question", "token:software:totp"]


def test_console_refuses_an_administrator_whose_factors_it_cannot_use(server):
    """An administrator whose only factor is an app the enrollment policy disallows is still
    enrolled: a clear refusal, and a forged enrollment binds nothing (R35)."""
    api = server.api()
    admin, _ = user_with_totp(api, provider="OKTA")
    grant_admin(server, admin["login"])
    policy = default_enroll_policy(api)
    was = next(e["enroll"]["self"] for e in policy["settings"]["authenticators"] if e["key"] == "okta_verify")
    assert put_enroll_modes(api, policy, okta_verify="NOT_ALLOWED").status_code == 200
    try:
        with _console(server) as http:
            page = _console_password_step(server, http, admin["login"])
            assert page.status_code == 403 and "can't be used here" in page.text
            assert "Set up an authenticator app" not in page.text
            r = _second_step(http, action="enroll")
            assert r.status_code == 403 and "can't be used here" in r.text and "Scan the QR code" not in r.text
            assert http.get("/admin/", follow_redirects=False).status_code == 303
    finally:
        assert put_enroll_modes(api, policy, okta_verify=was).status_code == 200
    assert [f["provider"] for f in _factors(api, admin)] == ["OKTA"]


def test_a_factor_the_policy_disallows_still_counts_as_enrolled(api):
    """The attack: Okta Verify set NOT_ALLOWED made its user look unenrolled, so the password
    alone enrolled a Google Authenticator and got tokens. The factor still exists: refused
    (R35); an administrator can reset factors."""
    client = api.create_client()
    user, _ = user_with_totp(api, provider="OKTA")
    policy = default_enroll_policy(api)
    assert put_enroll_modes(api, policy, okta_verify="NOT_ALLOWED").status_code == 200
    try:
        r = api.password_login(client, user)
        _refused_without_token(r)
        assert [(f["factorType"], f["provider"]) for f in _factors(api, user)] == [("token:software:totp", "OKTA")]
    finally:
        assert put_enroll_modes(api, policy, okta_verify=next(
            e["enroll"]["self"] for e in policy["settings"]["authenticators"] if e["key"] == "okta_verify")
        ).status_code == 200


@pytest.fixture(scope="module")
def if_enrolled(backend, make_server):
    return make_server(backend, extra_env={"TWOFOLD_MFA_POLICY": "if-enrolled"})


def test_a_password_only_mfa_api_token_has_no_power_over_factors_enrolled_later(if_enrolled):
    """The attack under TWOFOLD_MFA_POLICY=if-enrolled: before enrolling, the password alone got
    an MFA-API token and a refresh token; after the user enrolled, that token listed and removed
    the factor, and its refresh minted new ones. Now: 401 insufficient_user_authentication,
    the refresh is refused, the factor stays; a token earned with the code removes it (R38)."""
    api = if_enrolled.api()
    client = api.create_client()
    user = api.create_user()
    mfa_api = {"audience": api.issuer + "mfa/", "scope": MFA_API_SCOPES + " offline_access"}
    r = api.password_login(client, user, **mfa_api)
    assert r.status_code == 200, r.text
    weak = r.json()
    assert jwt.decode(weak["access_token"], options={"verify_signature": False})["amr"] == ["pwd"]
    auth = {"Authorization": f"Bearer {weak['access_token']}"}
    assert api.http.get("/mfa/authenticators", headers=auth).json() == []  # nothing exists yet: nothing to guard

    f = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": "token:software:totp", "provider": "GOOGLE"}).json()
    activate_code, sign_in_code = two_codes(f["_embedded"]["activation"]["sharedSecret"])
    assert api.http.post(f["_links"]["activate"]["href"], headers=api.ssws,
                         json={"passCode": activate_code}).status_code == 200
    (device,) = db_rows(if_enrolled, f"SELECT device_id FROM factors WHERE id = '{f['id']}'")[0]

    r = api.http.get("/mfa/authenticators", headers=auth)
    assert (r.status_code, r.json()["error"]) == (401, "insufficient_user_authentication"), r.text
    assert r.headers["www-authenticate"] == 'Bearer error="insufficient_user_authentication"'
    r = api.http.delete(f"/mfa/authenticators/totp|{device}", headers=auth)
    assert (r.status_code, r.json()["error"]) == (401, "insufficient_user_authentication"), r.text
    r = api.http.post("/mfa/associate", headers=auth, json={"authenticator_types": ["otp"]})
    assert (r.status_code, r.json()["error"]) == (403, "access_denied"), r.text
    r = api.token(client, grant_type="refresh_token", refresh_token=weak["refresh_token"])
    assert (r.status_code, r.json()["error"]) == (403, "invalid_grant") and "access_token" not in r.json(), r.text
    assert [x["status"] for x in _factors(api, user)] == ["ACTIVE"]

    # The way that works: the same audience through the second factor (R38).
    r = api.password_login(client, user, **mfa_api)
    assert r.status_code == 403 and r.json()["mfa_requirements"]["challenge"][0] == {"type": "otp"}, r.text
    r = api.mfa_otp(client, r.json()["mfa_token"], sign_in_code)
    assert r.status_code == 200, r.text
    strong = {"Authorization": f"Bearer {r.json()['access_token']}"}
    listed = api.http.get("/mfa/authenticators", headers=strong)
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [f"totp|{device}"], listed.text
    assert api.http.delete(f"/mfa/authenticators/totp|{device}", headers=strong).status_code == 204
    assert _factors(api, user) == []


def test_client_credentials_get_no_mfa_api_token(api):
    """The attack: client_credentials with audience <issuer>mfa/ got a token the MFA API took,
    with sub `<client>@clients`. A grant without a user gets no MFA-API token (R57)."""
    client = api.create_client(["client_credentials"])
    r = api.token(client, grant_type="client_credentials", audience=api.issuer + "mfa/", scope=MFA_API_SCOPES)
    assert r.status_code == 403 and r.json()["error"] == "access_denied" and "access_token" not in r.json(), r.text
    r = api.token(client, grant_type="client_credentials", audience="https://api.example.com/")
    assert r.status_code == 200  # other audiences keep working


@pytest.mark.parametrize("users_provider", ["OKTA", "GOOGLE"])
def test_a_factor_left_pending_before_the_user_enrolled_is_no_second_factor(server, users_provider):
    """The review's attack: while the user has no factor, someone with the password associates
    an authenticator app and stops (a pending TOTP and recovery code). The user then enrolls
    through the Okta API. The left-over factor and recovery code must never become a second
    factor: neither the code of the pending app nor the pending recovery code gets tokens, and
    neither is activated along with the user's own (R35, R37, R47)."""
    api = server.api()
    client = api.create_client()
    user = api.create_user()
    left = api.associate(api.mfa_token(client, user))
    assert left.status_code == 200, left.text
    attacker_secret, attacker_code = left.json()["secret"], left.json()["recovery_codes"][0]

    f = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": "token:software:totp", "provider": users_provider}).json()
    activate_code, _ = two_codes(f["_embedded"]["activation"]["sharedSecret"])
    r = api.http.post(f["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": activate_code})
    assert r.status_code == 200, r.text

    r = api.mfa_otp(client, api.mfa_token(client, user), fresh_code(attacker_secret))
    assert (r.status_code, r.json()["error"]) == (403, "invalid_grant") and "access_token" not in r.json(), r.text
    r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=api.mfa_token(client, user),
                  recovery_code=attacker_code)
    # The user has no recovery code at all now (the Okta API enrolls none).
    assert (r.status_code, r.json()["error"]) == (401, "unsupported_challenge_type"), r.text
    assert [(x["provider"], x["status"]) for x in _factors(api, user)] == [(users_provider, "ACTIVE")]
    ((rows,),) = db_rows(server, f"SELECT count(*) FROM factors WHERE user_id = '{user['id']}'")
    assert int(rows) == 1  # the left-over app and recovery code are gone
