"""Seed 001's walkthrough with an SMS factor, driven by the official Okta Python SDK (`okta`
3.x) against a real server on SQLite and PostgreSQL; the code is read from the server's
outbox, as the phone would. Findings are in docs/compatibility.md ("Okta SDKs").

Besides the passCode the typed activate and verify calls drop (test_okta_python_sdk.py), two
defects of the SDK's models meet Okta's own shapes for these factors, and the server keeps
Okta's shapes (reference B.2, B.4). Each is pinned by `test_typed_sms_calls_fail_on_okta_shapes`:

* `_links.resend` is an array of named links; the SDK types it as one object, so parsing a
  pending sms, call or email factor raises pydantic's ValidationError (typed enroll_factor
  without activate=true, list_factors and get_factor while it is pending), after the server
  has done the work.
* verify's CHALLENGE answer has `profile: {"phoneNumber": …}`; the SDK types `profile` as a
  dict of dicts, so the typed verify_factor raises, after the code was sent.

What works typed: enroll with activate=true (the factor is ACTIVE: no resend link),
resend_enroll_factor, get_factor and list_factors of active factors, unenroll_factor. The
rest goes through the SDK's own raw request facility and is parsed with its models."""
from __future__ import annotations

import pydantic
import pytest
from okta.errors.okta_api_error import OktaAPIError
from okta.models import (
    CreateUserRequest, ResendUserFactor, UserFactorActivateResponse, UserFactorSMS, UserFactorVerifyResponse,
)

from ..support import PASSWORD, latest_code, new_phone, outbox
from .test_okta_python_sdk import _login, _ok, _profile, make_client, okta_env, raw

__all__ = ["okta_env"]  # the fixture, imported for these tests


async def _user(client):
    login = _login("sms")
    return _ok(await client.create_user(CreateUserRequest.from_dict(
        {"profile": _profile(login), "credentials": {"password": {"value": PASSWORD}}}), activate=True))


def _sms(phone: str) -> UserFactorSMS:
    return UserFactorSMS.from_dict({"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": phone}})


async def test_sms_factor_walkthrough(sending_server, okta_env):
    server = sending_server
    async with make_client(server.base_url, server.api_token) as client:
        user = await _user(client)
        phone = new_phone()
        factors = f"/api/v1/users/{user.id}/factors"

        # Enroll (raw: the SDK cannot parse the pending factor's resend links).
        status, body, err = await raw(client, "POST", factors, _sms(phone).to_dict())
        assert (status, err) == (200, None), body
        assert (body["factorType"], body["status"], body["profile"]) == ("sms", "PENDING_ACTIVATION",
                                                                          {"phoneNumber": phone})
        base = f"{factors}/{body['id']}"
        assert body["_links"]["resend"][0]["href"].endswith(f"{base}/resend")

        # Resend, typed: a new code, the first one stops working.
        first = latest_code(server, phone)
        assert _ok(await client.resend_enroll_factor(user.id, body["id"], ResendUserFactor(factorType="sms"))
                   ).factor_type == "sms"
        assert len(outbox(server, phone)) == 2
        second = latest_code(server, phone)
        if first != second:
            status, _body, err = await raw(client, "POST", f"{base}/lifecycle/activate", {"passCode": first})
            assert isinstance(err, OktaAPIError) and (status, err.error_code) == (403, "E0000068")

        # Activate with the code the phone got (raw: the typed request drops passCode).
        status, body, err = await raw(client, "POST", f"{base}/lifecycle/activate", {"passCode": second})
        assert (status, err) == (200, None), body
        activated = UserFactorActivateResponse.from_dict(body)
        assert activated.factor_type == "sms" and body["status"] == "ACTIVE"

        # Active: get and list are typed.
        got = _ok(await client.get_factor(user.id, body["id"]))
        assert isinstance(got, UserFactorSMS) and got.status.value == "ACTIVE"
        assert got.profile.phone_number == phone and got.links.verify.href.endswith(f"{base}/verify")
        assert [(f.id, f.factor_type.value) for f in _ok(await client.list_factors(user.id))] == [
            (body["id"], "sms")]

        # Verify: without a passCode a code is sent (CHALLENGE), then it is checked once.
        status, challenge, err = await raw(client, "POST", f"{base}/verify", {})
        assert (status, err, challenge["factorResult"]) == (200, None, "CHALLENGE")
        assert challenge["profile"] == {"phoneNumber": phone}
        code = latest_code(server, phone)
        status, result, err = await raw(client, "POST", f"{base}/verify", {"passCode": code})
        assert (status, err) == (200, None), result
        assert UserFactorVerifyResponse.from_dict(result).factor_result.value == "SUCCESS"
        status, _result, err = await raw(client, "POST", f"{base}/verify", {"passCode": code})
        assert isinstance(err, OktaAPIError) and (err.status, err.error_code) == (403, "E0000082")

        # The catalog lists sms as set up; unenroll is typed.
        kinds = {(f.factor_type.value, f.provider.value): f.status.value
                 for f in _ok(await client.list_supported_factors(user.id))}
        assert kinds[("sms", "OKTA")] == "ACTIVE" and kinds[("call", "OKTA")] == "NOT_SETUP"
        assert kinds[("email", "OKTA")] == "NOT_SETUP"
        data, resp, err = await client.unenroll_factor(user.id, body["id"])
        assert (resp.status_code, err) == (204, None)


async def test_typed_auto_activated_enrollment(sending_server, okta_env):
    """enroll_factor(activate=True): ACTIVE at once, no code sent, parsed by the SDK."""
    server = sending_server
    async with make_client(server.base_url, server.api_token) as client:
        user = await _user(client)
        phone = new_phone()
        factor = _ok(await client.enroll_factor(user.id, _sms(phone), activate=True))
        assert isinstance(factor, UserFactorSMS) and factor.status.value == "ACTIVE"
        assert factor.profile.phone_number == phone and outbox(server, phone) == []


async def test_typed_sms_calls_fail_on_okta_shapes(sending_server, okta_env):
    """okta 3.x: the typed enroll and verify raise on Okta's shapes after the server acted. If
    this test fails, a release fixed the models: move the walkthrough to the typed calls."""
    server = sending_server
    async with make_client(server.base_url, server.api_token) as client:
        user = await _user(client)
        phone = new_phone()
        with pytest.raises(pydantic.ValidationError, match="LinksResendResend"):
            await client.enroll_factor(user.id, _sms(phone))
        # The server enrolled it and sent the code.
        status, listed, _err = await raw(client, "GET", f"/api/v1/users/{user.id}/factors")
        [pending] = listed
        assert pending["status"] == "PENDING_ACTIVATION" and len(outbox(server, phone)) == 1
        with pytest.raises(pydantic.ValidationError, match="LinksResendResend"):
            await client.list_factors(user.id)
        base = f"/api/v1/users/{user.id}/factors/{pending['id']}"
        status, _body, _err = await raw(client, "POST", f"{base}/lifecycle/activate",
                                        {"passCode": latest_code(server, phone)})
        assert status == 200
        with pytest.raises(pydantic.ValidationError, match="UserFactorVerifyResponse"):
            await client.verify_factor(user.id, pending["id"])
        assert len(outbox(server, phone)) == 2  # the challenge was sent all the same
