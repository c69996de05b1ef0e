"""Seed 000 (Okta direct authentication, MFA OTP flow; reference B.7) end to end with the
official Okta SDKs as clients, against a real server on SQLite and PostgreSQL, on the `default`
custom authorization server (`/oauth2/default/v1/*`) and on the org server (`/oauth2/v1/*`):

  1. typed SDK calls: create a user with a password, enroll `token:software:totp` (OKTA),
     activate it (Python: raw request, since the typed call drops `passCode`; Node: typed);
  2. register a client, `POST /oauth2/v1/clients` (SSWS, JSON);
  3. `grant_type=password` → `403 mfa_required` with an `mfa_token`;
  4. `POST …/v1/challenge` → `{"challenge_type": "http://auth0.com/oauth/grant-type/mfa-otp"}`;
  5. `grant_type=http://auth0.com/oauth/grant-type/mfa-otp` with the next step's code → tokens.

Neither management SDK has typed methods for the OAuth endpoints, so steps 2-5 use each SDK's
generic HTTP facility: Python's request executor (`create_request(..., form=...)` sends
`application/x-www-form-urlencoded`), Node's `client.http.http` (and, to read an OAuth error
body, `client.requestExecutor.fetch`; see tests/node/direct_auth_walkthrough.mjs). Both add
`Authorization: SSWS <api token>` to every request, the token requests included; the token
endpoint authenticates the client from the body and ignores that header (checked below: with
the header but no client credentials it answers `401 invalid_client`). Written up in
docs/compatibility.md ("Direct authentication through the SDKs")."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import jwt
import pytest
from okta.errors.http_error import HTTPError
from okta.models import CreateUserRequest, UserFactorTokenSoftwareTOTP

from ..support import MFA_OTP, PASSWORD, two_codes
# The hermetic SDK set-up and helpers of the Factors walkthroughs; okta_env and node_sdk are
# fixtures (node_sdk fails, never skips, when node or tests/node/node_modules is missing).
from .test_okta_node_sdk import NODE_DIR, _pinned_version, node_sdk, run_walkthrough  # noqa: F401
from .test_okta_python_sdk import _capture_requests, _login, _ok, _profile, make_client, okta_env, raw  # noqa: F401

NODE_SCRIPT = NODE_DIR / "direct_auth_walkthrough.mjs"
FORM = "application/x-www-form-urlencoded"
SCOPE = "openid profile"
INVALID_CLIENT_NO_CREDENTIALS = {"error": "invalid_client", "error_description": "No client credentials found."}

# (path prefix of the server's endpoints, issuer after the base URL, access token aud; None = the issuer)
SERVERS = [
    pytest.param("/oauth2/default", "/oauth2/default", "api://default", id="default"),
    pytest.param("/oauth2", "", None, id="org"),  # org server: iss = base URL, aud = base URL
]


async def form_post(client, path: str, params: dict):
    """A form-encoded POST through the SDK's request executor: `form=` with a dict is sent by
    aiohttp as application/x-www-form-urlencoded (the executor's default Authorization: SSWS
    and User-Agent headers come along). Returns (status, parsed JSON, error or None); an OAuth
    error body has no `errorCode`, so the error is an okta.errors.http_error.HTTPError, and
    the body text is still returned."""
    executor = client.get_request_executor()
    request, err = await executor.create_request("POST", path, headers={"Content-Type": FORM}, form=params)
    assert err is None, err
    response, text, err = await executor.execute(request)
    assert response is not None, err
    return response.status, json.loads(text), err


async def _user_with_okta_verify_totp(client):
    """Step 1 with typed calls (activate raw: the typed request model drops passCode).
    Returns (user, the next step's code)."""
    login = _login("direct")
    user = _ok(await client.create_user(
        CreateUserRequest.from_dict({"profile": _profile(login), "credentials": {"password": {"value": PASSWORD}}}),
        activate=True))
    assert user.status.value == "ACTIVE"
    factor = _ok(await client.enroll_factor(
        user.id, UserFactorTokenSoftwareTOTP(factorType="token:software:totp", provider="OKTA")))
    assert (factor.status.value, factor.provider) == ("PENDING_ACTIVATION", "OKTA")
    first, second = two_codes(factor.embedded["activation"]["sharedSecret"])
    status, body, err = await raw(client, "POST", f"/api/v1/users/{user.id}/factors/{factor.id}/lifecycle/activate",
                                  {"passCode": first})
    assert (status, err, body["status"]) == (200, None, "ACTIVE"), body
    return user, login, second


@pytest.mark.parametrize("prefix,issuer_suffix,audience", SERVERS)
async def test_direct_auth_through_python_sdk(server, okta_env, prefix, issuer_suffix, audience):
    issuer = server.base_url + issuer_suffix
    async with make_client(server.base_url, server.api_token) as client:
        user, login, code = await _user_with_okta_verify_totp(client)

        # 2. Client registration: SSWS + JSON through the executor.
        status, registered, err = await raw(client, "POST", "/oauth2/v1/clients", {
            "client_name": "py-sdk-direct-auth", "grant_types": ["password", MFA_OTP],
            "token_endpoint_auth_method": "client_secret_post"})
        assert (status, err) == (201, None), registered
        assert registered["grant_types"] == ["password", MFA_OTP]
        assert registered["token_endpoint_auth_method"] == "client_secret_post"
        creds = {"client_id": registered["client_id"], "client_secret": registered["client_secret"]}

        # The SSWS header that rides along is not a client credential.
        status, body, err = await form_post(client, f"{prefix}/v1/token", {
            "grant_type": "password", "username": login, "password": PASSWORD, "scope": SCOPE})
        assert (status, body) == (401, INVALID_CLIENT_NO_CREDENTIALS)
        assert isinstance(err, HTTPError) and err.status == 401
        status, body, err = await form_post(client, f"{prefix}/v1/token", {
            "grant_type": "password", "username": login, "password": PASSWORD, "scope": SCOPE,
            "client_id": creds["client_id"], "client_secret": "not-the-secret"})
        assert (status, body["error"]) == (401, "invalid_client"), body

        # 3. Password grant → 403 mfa_required.
        status, body, err = await form_post(client, f"{prefix}/v1/token", {
            "grant_type": "password", "username": login, "password": PASSWORD, "scope": SCOPE, **creds})
        assert status == 403, body
        assert isinstance(err, HTTPError) and err.status == 403  # not an Okta error envelope
        assert body["error"] == "mfa_required"
        assert body["error_description"] == "Verify with an additional authenticator to complete the sign-in process."
        mfa_token = body["mfa_token"]

        # 4. Challenge.
        status, body, err = await form_post(client, f"{prefix}/v1/challenge", {
            "mfa_token": mfa_token, "challenge_types_supported": MFA_OTP, **creds})
        assert (status, err, body) == (200, None, {"challenge_type": MFA_OTP})

        # 5. mfa-otp with the step after the activation code's.
        status, tokens, err = await form_post(client, f"{prefix}/v1/token", {
            "grant_type": MFA_OTP, "mfa_token": mfa_token, "otp": code, **creds})
        assert (status, err) == (200, None), tokens
        assert (tokens["token_type"], tokens["expires_in"], tokens["scope"]) == ("Bearer", 3600, SCOPE)
        assert "refresh_token" not in tokens  # no offline_access

        # Verify both tokens with PyJWT against the server's keys, fetched through the SDK.
        status, jwks, err = await raw(client, "GET", f"{prefix}/v1/keys")
        assert (status, err) == (200, None)
        keys = {k["kid"]: jwt.PyJWK(k) for k in jwks["keys"]}
        kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
        at = jwt.decode(tokens["access_token"], keys[kid].key, algorithms=["RS256"],
                        audience=audience or issuer, issuer=issuer)
        assert (at["iss"], at["aud"]) == (issuer, audience or issuer)
        assert (at["uid"], at["sub"], at["cid"]) == (user.id, login, creds["client_id"])
        assert at["scp"] == ["openid", "profile"] and "otp" in at["amr"] and "pwd" in at["amr"]
        kid = jwt.get_unverified_header(tokens["id_token"])["kid"]
        idt = jwt.decode(tokens["id_token"], keys[kid].key, algorithms=["RS256"],
                         audience=creds["client_id"], issuer=issuer)
        assert idt["sub"] == user.id

        # The mfa_token is spent.
        status, body, err = await form_post(client, f"{prefix}/v1/token", {
            "grant_type": MFA_OTP, "mfa_token": mfa_token, "otp": code, **creds})
        assert (status, body["error"]) == (400, "access_denied"), body


async def test_python_sdk_form_request_on_the_wire(okta_env):
    """What the executor sends for a token request, against a local stub: the form body, and
    the client's SSWS header, which cannot be left out (create_request merges the defaults)."""
    params = {"grant_type": MFA_OTP, "mfa_token": "mt", "otp": "123456", "client_id": "cid",
              "client_secret": "s/+ &="}

    async def calls(client):
        await form_post(client, "/oauth2/default/v1/token", params)

    (sent,) = await _capture_requests(calls)
    assert sent["request_line"] == "POST /oauth2/default/v1/token HTTP/1.1"
    assert sent["headers"]["content-type"] == FORM
    assert sent["headers"]["authorization"] == "SSWS 00stubtoken"
    assert sent["headers"]["accept"] == "application/json"
    assert {k: v[0] for k, v in parse_qs(sent["body"].decode(), strict_parsing=True).items()} == params


def test_direct_auth_through_node_sdk(server, node_sdk, tmp_path):
    code, seen, stderr = run_walkthrough(node_sdk, server, tmp_path, NODE_SCRIPT, timeout=90)
    assert code == 0 and seen["ok"] is True, f"{json.dumps(seen, indent=1)}\nstderr:\n{stderr}"
    assert seen["sdkVersion"] == _pinned_version()
    base = server.base_url
    assert set(seen["servers"]) == {"/oauth2/default", "/oauth2"}
    for prefix, run in seen["servers"].items():
        issuer, audience = (base + prefix, "api://default") if prefix == "/oauth2/default" else (base, base)
        assert (run["user"]["status"], run["user"]["hasPassword"]) == ("ACTIVE", True)
        assert run["enroll"] == {"factorType": "token:software:totp", "provider": "OKTA",
                                 "status": "PENDING_ACTIVATION"}
        assert run["activate"] == {"status": "ACTIVE", "factorType": "token:software:totp"}
        assert run["client"]["status"] == 201
        assert run["client"]["grant_types"] == ["password", MFA_OTP]
        assert run["client"]["token_endpoint_auth_method"] == "client_secret_post" and run["client"]["hasSecret"]

        # The SSWS header is not a client credential.
        assert run["noClientCredentials"] == {"status": 401, "body": INVALID_CLIENT_NO_CREDENTIALS}
        assert (run["wrongSecret"]["status"], run["wrongSecret"]["body"]["error"]) == (401, "invalid_client")

        # client.http.http throws on the 403 and keeps only Okta's error fields: the OAuth
        # body (and with it the mfa_token) is not on the error.
        assert run["passwordViaHttp"] == {"name": "OktaApiError", "status": 403, "errorCode": None,
                                          "errorSummary": "", "hasMfaToken": False}
        pw = run["password"]
        assert pw["status"] == 403 and pw["hasMfaToken"] is True
        assert (pw["error"], pw["error_description"]) == (
            "mfa_required", "Verify with an additional authenticator to complete the sign-in process.")
        assert run["challenge"] == {"challenge_type": MFA_OTP}
        assert run["tokens"] == {"token_type": "Bearer", "expires_in": 3600, "scope": SCOPE,
                                 "hasAccessToken": True, "hasIdToken": True, "hasRefreshToken": False}
        at = run["accessClaims"]
        assert (at["iss"], at["aud"]) == (issuer, audience)
        assert (at["uid"], at["cid"], at["scp"]) == (run["user"]["id"], run["client"]["id"], ["openid", "profile"])
        assert "otp" in at["amr"]
        assert run["idClaims"] == {"iss": issuer, "aud": run["client"]["id"], "sub": run["user"]["id"]}

        # Every OAuth request went out form-encoded with the client's SSWS header.
        paths = {f"{prefix}/v1/token", f"{prefix}/v1/challenge"}
        oauth = [r for r in seen["sent"] if r["path"] in paths]
        assert {r["path"] for r in oauth} == paths
        assert all(r["method"] == "POST" and r["contentType"] == FORM and r["authorization"] == "SSWS <api token>"
                   for r in oauth), oauth
