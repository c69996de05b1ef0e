"""The Okta Factors walkthrough (seed 001: create a user, enroll a factor, activate it, verify
it) driven by the official Okta Python SDK (`okta` 3.x from PyPI) against a real server on
SQLite and PostgreSQL. Findings are written up in docs/compatibility.md ("Okta SDKs").

Two defects of the SDK shape these tests; each is pinned by a test of its own, so that a
release that fixes it (or a server change) is noticed:

* Typed calls send `Authorization: SSWS<token>` with no space (the generated
  `Configuration.auth_settings()` concatenates the mode and the token). Okta must accept that
  form (every typed call of the official SDK relies on it), so twofold does too;
  `test_typed_call_as_shipped` uses the SDK exactly as shipped.
* `UserFactorActivateRequest` and `UserFactorVerifyRequest` only model the push field
  `useNumberMatchingChallenge`: `passCode` and `answer` are dropped before sending. The
  walkthrough activates and verifies with the SDK's own raw request facility
  (`get_request_executor().create_request` / `execute`) and parses the answers with the SDK's
  models; `test_typed_activate_and_verify_drop_the_passcode` keeps the typed calls' failure.
"""
from __future__ import annotations

import asyncio
import json
import os
import secrets

import pytest

# The okta SDK comes with the test extra (scripts/test installs it); no skip when it is missing.
from okta.client import Client as OktaClient
from okta.config import config_setter
from okta.errors.okta_api_error import OktaAPIError
from okta.exceptions import OktaAPIException
from okta.http_client import HTTPClient
from okta.models import (
    CreateUserRequest, UserFactorActivateRequest, UserFactorActivateResponse, UserFactorSecurityQuestion,
    UserFactorTokenSoftwareTOTP, UserFactorVerifyRequest, UserFactorVerifyResponse,
)

from ..support import PASSWORD, two_codes

SDK_VERSION = "3.4.6"  # keep equal to the pin in pyproject.toml's test extra


@pytest.fixture
def okta_env(monkeypatch, tmp_path):
    """Hermetic SDK configuration: no OKTA_* variables or okta.yaml files from this machine.
    The SDK reads ~/.okta/okta.yaml and ./okta.yaml, whose paths okta.constants computes at
    import time, so they are pointed into tmp_path as well as HOME and the working directory."""
    for key in list(os.environ):
        if key.startswith("OKTA_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(config_setter, "_GLOBAL_YAML_PATH", str(tmp_path / ".okta" / "okta.yaml"))
    monkeypatch.setattr(config_setter, "_LOCAL_YAML_PATH", str(tmp_path / "okta.yaml"))
    # http (not https) needs the testing flag; OktaClient({"testing": ...}) would be nested
    # under "client" and ignored, so it goes through the environment (or an okta.yaml).
    monkeypatch.setenv("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")
    # The SDK keeps raiseException in a class attribute: restore it after each test.
    monkeypatch.setattr(HTTPClient, "raise_exception", False)
    return tmp_path


def make_client(org_url: str, token: str, **config) -> OktaClient:
    return OktaClient({"orgUrl": org_url, "token": token, **config})


def _login(tag: str) -> str:
    return f"py-sdk-{tag}-{secrets.token_hex(5)}@example.com"


def _profile(login: str) -> dict:
    return {"firstName": "Python", "lastName": "Sdk", "email": login, "login": login}


def _ok(result):
    """A typed call's (data, ApiResponse, error) triple: the data, or fail with the error."""
    data, _resp, err = result
    assert err is None, f"{type(err).__name__}: {err}"
    return data


def _api_error(result) -> OktaAPIError:
    data, _resp, err = result
    assert data is None and isinstance(err, OktaAPIError), (data, err)
    return err


async def raw(client: OktaClient, method: str, path: str, body: dict | None = None):
    """The SDK's own raw request facility: RequestExecutor.create_request / execute.
    Returns (status, parsed JSON or None, OktaAPIError or None)."""
    executor = client.get_request_executor()
    request, err = await executor.create_request(method, path, body, {})
    assert err is None, err
    response, text, err = await executor.execute(request)
    assert response is not None, err
    return response.status, (json.loads(text) if text else None), err


async def _create_users(client: OktaClient):
    # Seed 001 "Create User without Credentials": POST /api/v1/users?activate=false, profile only.
    bare = _ok(await client.create_user(CreateUserRequest.from_dict({"profile": _profile(_login("bare"))}),
                                        activate=False))
    assert bare.status.value == "STAGED"
    assert bare.credentials.password is None
    assert bare.credentials.provider.type.value == "OKTA"
    login = _login("pw")
    with_pw = _ok(await client.create_user(
        CreateUserRequest.from_dict({"profile": _profile(login), "credentials": {"password": {"value": PASSWORD}}}),
        activate=True))
    assert with_pw.status.value == "ACTIVE"
    assert with_pw.profile.login == login
    assert with_pw.credentials.password is not None and with_pw.credentials.password.value is None  # never echoed
    return bare, with_pw


async def _enroll_totp(client: OktaClient, user_id: str, provider: str):
    factor = _ok(await client.enroll_factor(
        user_id, UserFactorTokenSoftwareTOTP(factorType="token:software:totp", provider=provider)))
    assert isinstance(factor, UserFactorTokenSoftwareTOTP)
    assert factor.status.value == "PENDING_ACTIVATION" and factor.provider == provider
    # The model keeps `_embedded` as a plain dict in the `embedded` attribute.
    activation = factor.embedded["activation"]
    assert activation["encoding"] == "base32" and activation["timeStep"] == 30
    assert factor.links.activate.href.endswith(f"/factors/{factor.id}/lifecycle/activate")
    return factor, activation["sharedSecret"]


async def test_factors_walkthrough(server, okta_env):
    async with make_client(server.base_url, server.api_token) as client:
        bare, with_pw = await _create_users(client)
        factor_ids = {}
        for user, provider in ((bare, "GOOGLE"), (with_pw, "OKTA")):
            factor, secret = await _enroll_totp(client, user.id, provider)
            factor_ids[provider] = factor.id
            first, second = two_codes(secret)
            base = f"/api/v1/users/{user.id}/factors/{factor.id}"

            # Activate (raw: the typed request model drops passCode).
            status, body, err = await raw(client, "POST", f"{base}/lifecycle/activate", {"passCode": first})
            assert (status, err) == (200, None), body
            activated = UserFactorActivateResponse.from_dict(body)
            assert activated.factor_type == "token:software:totp"
            assert activated.links.var_self.href.endswith(base)
            assert body["status"] == "ACTIVE"

            # Verify with the next step's code.
            status, body, err = await raw(client, "POST", f"{base}/verify", {"passCode": second})
            assert (status, err) == (200, None), body
            assert UserFactorVerifyResponse.from_dict(body).factor_result.value == "SUCCESS"

            # The same code again: Okta's PASSCODE_REPLAYED as an API error.
            status, body, err = await raw(client, "POST", f"{base}/verify", {"passCode": second})
            assert isinstance(err, OktaAPIError)
            assert (status, err.status, err.error_code) == (403, 403, "E0000082"), body

            # A wrong code: the SDK's OktaAPIError, E0000068, HTTP 403.
            wrong = "000000" if second != "000000" else "111111"
            status, body, err = await raw(client, "POST", f"{base}/verify", {"passCode": wrong})
            assert isinstance(err, OktaAPIError)
            assert (err.status, err.error_code, err.error_summary) == (403, "E0000068", "Invalid Passcode/Answer")
            assert err.error_causes == [{"errorSummary": "Your passcode doesn't match our records. Please try again."}]
            assert err.error_id.startswith("oae")

            # get / list through the typed API.
            got = _ok(await client.get_factor(user.id, factor.id))
            assert isinstance(got, UserFactorTokenSoftwareTOTP)
            assert (got.id, got.status.value, got.provider, got.embedded) == (factor.id, "ACTIVE", provider, None)
            assert got.links.verify.href.endswith(f"{base}/verify")
            listed = _ok(await client.list_factors(user.id))
            assert [(f.id, f.status.value) for f in listed] == [(factor.id, "ACTIVE")]

        # The catalog and the security questions.
        catalog = _ok(await client.list_supported_factors(bare.id))
        kinds = {(f.factor_type.value, f.provider.value): f.status.value for f in catalog}
        assert kinds[("token:software:totp", "GOOGLE")] == "ACTIVE"
        assert kinds[("token:software:totp", "OKTA")] == "NOT_SETUP"
        assert kinds[("question", "OKTA")] == "NOT_SETUP"
        assert all(f.links.enroll.href.endswith(f"/api/v1/users/{bare.id}/factors") for f in catalog)
        questions = _ok(await client.list_supported_security_questions(bare.id))
        texts = {q.question: q.question_text for q in questions}
        assert texts["disliked_food"] == "What is the food you least liked as a child?"

        # Unenroll: 204, then the factor is gone.
        data, resp, err = await client.unenroll_factor(bare.id, factor_ids["GOOGLE"])
        assert (data, resp.status_code, err) == (None, 204, None)
        err = _api_error(await client.get_factor(bare.id, factor_ids["GOOGLE"]))
        assert (err.status, err.error_code) == (404, "E0000007")
        assert _ok(await client.list_factors(bare.id)) == []

        # A security question: enrolled ACTIVE by the typed call (answer is modelled there).
        question = _ok(await client.enroll_factor(with_pw.id, UserFactorSecurityQuestion.from_dict(
            {"factorType": "question", "provider": "OKTA",
             "profile": {"question": "disliked_food", "answer": "mayonnaise"}})))
        assert isinstance(question, UserFactorSecurityQuestion)
        assert question.status.value == "ACTIVE" and question.profile.question == "disliked_food"
        assert question.profile.answer is None  # never echoed
        base = f"/api/v1/users/{with_pw.id}/factors/{question.id}"
        status, body, err = await raw(client, "POST", f"{base}/verify", {"answer": "Mayonnaise"})
        assert (status, err) == (200, None), body
        assert UserFactorVerifyResponse.from_dict(body).factor_result.value == "SUCCESS"
        status, body, err = await raw(client, "POST", f"{base}/verify", {"answer": "ketchup"})
        assert isinstance(err, OktaAPIError)
        assert (err.status, err.error_code) == (403, "E0000068")
        assert err.error_causes == [{"errorSummary": "Your answer doesn't match our records. Please try again."}]


async def test_wrong_code_raises_in_raise_exception_mode(server, okta_env):
    """With {"raiseException": True} the SDK raises OktaAPIException (carrying the error body)
    instead of returning an OktaAPIError."""
    async with make_client(server.base_url, server.api_token) as client:
        user = _ok(await client.create_user(CreateUserRequest.from_dict({"profile": _profile(_login("raise"))}),
                                            activate=False))
        factor, secret = await _enroll_totp(client, user.id, "GOOGLE")
        first, second = two_codes(secret)
        base = f"/api/v1/users/{user.id}/factors/{factor.id}"
        assert (await raw(client, "POST", f"{base}/lifecycle/activate", {"passCode": first}))[0] == 200
    async with make_client(server.base_url, server.api_token, raiseException=True) as raising:
        wrong = "000000" if second != "000000" else "111111"
        with pytest.raises(OktaAPIException) as info:
            await raw(raising, "POST", f"{base}/verify", {"passCode": wrong})
        assert info.value.args[0]["errorCode"] == "E0000068"
        assert info.value.args[0]["errorSummary"] == "Invalid Passcode/Answer"


async def test_typed_activate_and_verify_drop_the_passcode(server, okta_env):
    """okta 3.x: the typed activate_factor / verify_factor send no passCode (nor answer).
    If this test fails, a release fixed the request models: switch the walkthrough to them."""
    assert UserFactorActivateRequest.from_dict({"passCode": "123456"}).to_dict() == {}
    assert UserFactorVerifyRequest.from_dict({"passCode": "123456", "answer": "x"}).to_dict() == {}
    async with make_client(server.base_url, server.api_token) as client:
        bare, with_pw = await _create_users(client)
        factor, secret = await _enroll_totp(client, bare.id, "GOOGLE")
        first, second = two_codes(secret)

        # Typed activate with a valid code: the server sees an empty body.
        for body in (UserFactorActivateRequest.from_dict({"passCode": first}), {"passCode": first}):
            err = _api_error(await client.activate_factor(bare.id, factor.id, body))
            assert (err.status, err.error_code, err.error_summary) == (400, "E0000001", "Api validation failed: passCode")
            assert err.error_causes == [{"errorSummary": "passCode: The field cannot be left blank"}]
        # The code was valid and unspent: the raw request activates with it.
        base = f"/api/v1/users/{bare.id}/factors/{factor.id}"
        status, body, err = await raw(client, "POST", f"{base}/lifecycle/activate", {"passCode": first})
        assert (status, body["status"]) == (200, "ACTIVE")

        # Typed verify with a valid code: refused as incomplete, since no passCode arrives ...
        err = _api_error(await client.verify_factor(bare.id, factor.id,
                                                    body=UserFactorVerifyRequest.from_dict({"passCode": second})))
        assert (err.status, err.error_code) == (400, "E0000001")
        # ... and the same code then verifies through the raw request.
        status, body, err = await raw(client, "POST", f"{base}/verify", {"passCode": second})
        assert (status, body) == (200, {"factorResult": "SUCCESS"})

        # Typed verify of a security question: the answer is dropped too.
        question = _ok(await client.enroll_factor(with_pw.id, UserFactorSecurityQuestion.from_dict(
            {"factorType": "question", "provider": "OKTA",
             "profile": {"question": "disliked_food", "answer": "mayonnaise"}})))
        err = _api_error(await client.verify_factor(with_pw.id, question.id, body={"answer": "mayonnaise"}))
        assert (err.status, err.error_code) == (400, "E0000001")


async def _capture_requests(calls) -> list[dict]:
    """Run `calls(client)` against a local stub that records each request and answers `{}`."""
    seen: list[dict] = []

    async def handle(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        seen.append({"request_line": lines[0], "headers": headers, "body": body})
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                     b"Connection: close\r\n\r\n{}")
        await writer.drain()
        writer.close()

    stub = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = stub.sockets[0].getsockname()[1]
    try:
        async with make_client(f"http://127.0.0.1:{port}", "00stubtoken") as client:
            await calls(client)
    finally:
        stub.close()
        await stub.wait_closed()
    return seen


async def test_what_the_sdk_sends(okta_env):
    """The wire facts behind both workarounds, against a local stub rather than twofold."""
    async def calls(client):
        await client.list_factors("00u1")
        await client.activate_factor("00u1", "f1", UserFactorActivateRequest.from_dict({"passCode": "123456"}))
        await raw(client, "POST", "/api/v1/users/00u1/factors/f1/verify", {"passCode": "123456"})

    typed_get, typed_activate, raw_verify = await _capture_requests(calls)
    assert typed_get["request_line"] == "GET /api/v1/users/00u1/factors HTTP/1.1"
    assert typed_get["headers"]["authorization"] == "SSWS00stubtoken"  # no space
    assert typed_get["headers"]["accept"] == "application/json"
    assert typed_activate["request_line"] == "POST /api/v1/users/00u1/factors/f1/lifecycle/activate HTTP/1.1"
    assert typed_activate["headers"]["authorization"] == "SSWS00stubtoken"
    assert typed_activate["headers"]["content-type"] == "application/json"
    assert typed_activate["body"] == b""  # passCode dropped, and with it the whole body
    assert raw_verify["headers"]["authorization"] == "SSWS 00stubtoken"
    assert raw_verify["headers"]["user-agent"].startswith(f"okta-sdk-python/{SDK_VERSION} ")
    assert json.loads(raw_verify["body"]) == {"passCode": "123456"}


async def test_typed_call_as_shipped(server, okta_env):
    """A typed call with the SDK exactly as shipped (`Authorization: SSWS<token>`, no space)."""
    async with make_client(server.base_url, server.api_token) as client:
        user = _ok(await client.create_user(CreateUserRequest.from_dict({"profile": _profile(_login("as-is"))}),
                                            activate=False))
        assert _ok(await client.list_factors(user.id)) == []


def test_sdk_version_is_the_pinned_one():
    from importlib.metadata import version

    assert version("okta") == SDK_VERSION
