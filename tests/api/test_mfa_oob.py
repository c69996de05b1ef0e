"""Auth0's SMS, voice and email authenticators over HTTP (reference A.1–A.5): /mfa/associate
with `oob`, the mfa-oob grant, /mfa/challenge `oob`, the listing and its masking, and the
errors in Auth0's words, against a real server on SQLite and PostgreSQL. Codes are read from
the development outbox, as a phone would read them (tests/outbox.py). R20, R21, R1, R27."""
from __future__ import annotations

import secrets
from urllib.parse import quote

import jwt
import pytest


from ..conftest import free_port
from ..support import ALL_GRANTS, MFA_OTP, db_rows, latest_code, new_phone, parallel
from .jwt_helpers import no_store
from .test_mfa_api import _bearer, _error  # Auth0's error body, as the MFA API tests read it

MFA_OOB = "http://auth0.com/oauth/grant-type/mfa-oob"
GRANTS = [*ALL_GRANTS, MFA_OOB]
MFA_API_SCOPES = "enroll read:authenticators remove:authenticators"


def associate(api, bearer: str, channel: str, **contact):
    return api.http.post("/mfa/associate", headers=_bearer(bearer),
                         json={"authenticator_types": ["oob"], "oob_channels": [channel], **contact})


def mfa_oob(api, client, mfa_token: str, oob_code: str, binding_code: str):
    return api.token(client, grant_type=MFA_OOB, mfa_token=mfa_token, oob_code=oob_code, binding_code=binding_code)


def challenge(api, client, mfa_token: str, **extra):
    return api.http.post("/mfa/challenge", json={"client_id": client["client_id"],
                                                 "client_secret": client["client_secret"],
                                                 "mfa_token": mfa_token, **extra})


def listing(api, bearer: str) -> list[dict]:
    r = api.http.get("/mfa/authenticators", headers=_bearer(bearer))
    assert r.status_code == 200, r.text
    return r.json()


def amr(tokens: dict) -> list[str]:
    return jwt.decode(tokens["access_token"], options={"verify_signature": False})["amr"]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def sms_user(server, api, client, number: str | None = None) -> dict:
    """A user whose first factor is a confirmed SMS authenticator."""
    number = number or new_phone()
    user = api.create_user()
    mfa_token = api.mfa_token(client, user)
    made = associate(api, mfa_token, "sms", phone_number=number)
    assert made.status_code == 200, made.text
    r = mfa_oob(api, client, mfa_token, made.json()["oob_code"], latest_code(server, number))
    assert r.status_code == 200, r.text
    return {**user, "number": number, "recovery_code": made.json()["recovery_codes"][0]}


def test_sms_enrollment_confirmation_and_sign_in(oob_server):
    api, server = oob_server.api(), oob_server
    client, user, number = api.create_client(GRANTS), api.create_user(), new_phone()
    r = api.password_login(client, user)
    body = _error(r, 403, "mfa_required")
    assert body["mfa_requirements"] == {"enroll": [{"type": "otp"}, {"type": "phone"}, {"type": "email"}]}
    mfa_token = body["mfa_token"]

    r = associate(api, mfa_token, "sms", phone_number=number)
    assert r.status_code == 200 and no_store(r), r.text
    made = r.json()
    assert set(made) == {"authenticator_type", "binding_method", "oob_channel", "oob_code", "recovery_codes"}
    assert (made["authenticator_type"], made["binding_method"], made["oob_channel"]) == ("oob", "prompt", "sms")
    assert len(made["recovery_codes"]) == 1 and len(made["recovery_codes"][0]) == 24
    listed = listing(api, mfa_token)
    sms = next(a for a in listed if a["type"] == "phone")
    assert sms == {"id": sms["id"], "authenticator_type": "oob", "active": False, "oob_channel": "sms",
                   "name": "XXXXXXX" + number[-4:], "type": "phone"}
    assert sms["id"].startswith("sms|dev_")
    assert {a["type"]: a["active"] for a in listed} == {"phone": False, "recovery-code": False}

    # Confirm: mfa-oob with the association's oob_code and the code the phone got (A.3).
    code = latest_code(server, number)
    _error(mfa_oob(api, client, mfa_token, made["oob_code"], wrong(code)), 403, "invalid_grant",
           "Invalid binding_code.")
    r = mfa_oob(api, client, mfa_token, made["oob_code"], code)
    assert r.status_code == 200 and no_store(r), r.text
    assert "sms" in amr(r.json()) and "mfa" in amr(r.json())

    # Sign in: mfa_required lists the phone, /mfa/challenge sends a new code.
    body = _error(api.password_login(client, user), 403, "mfa_required")
    assert body["mfa_requirements"] == {"challenge": [{"type": "phone"}, {"type": "recovery-code"}]}
    mfa_token = body["mfa_token"]
    listed = listing(api, mfa_token)
    assert all(a["active"] for a in listed)
    r = challenge(api, client, mfa_token, challenge_type="oob", authenticator_id=sms["id"])
    assert r.status_code == 200, r.text
    sent = r.json()
    assert set(sent) == {"challenge_type", "oob_code", "binding_method"}
    assert (sent["challenge_type"], sent["binding_method"]) == ("oob", "prompt") and sent["oob_code"] != made["oob_code"]
    # The confirmation's code was spent with its own challenge: it answers no other (R21).
    second = latest_code(server, number)
    if second != code:
        _error(mfa_oob(api, client, mfa_token, sent["oob_code"], code), 403, "invalid_grant", "Invalid binding_code.")
    r = mfa_oob(api, client, mfa_token, sent["oob_code"], second)
    assert r.status_code == 200, r.text
    assert set(r.json()) >= {"access_token", "expires_in", "token_type"} and "sms" in amr(r.json())
    # Single use: the transaction is spent.
    _error(mfa_oob(api, client, mfa_token, sent["oob_code"], second), 403, "expired_token", "mfa_token is expired")


def test_voice_and_email_authenticators(oob_server):
    api, server = oob_server.api(), oob_server
    client = api.create_client(GRANTS)
    for channel, contact, to, amr_value, kind in [
        ("voice", {"phone_number": new_phone()}, None, "tel", "phone"),
        ("email", {"email": f"Jo.{secrets.token_hex(4)}@example.com"}, None, "email", "email"),
    ]:
        to = contact.get("phone_number") or contact["email"]
        user = api.create_user()
        mfa_token = api.mfa_token(client, user)
        r = associate(api, mfa_token, channel, **contact)
        assert r.status_code == 200, r.text
        assert r.json()["oob_channel"] == channel
        r = mfa_oob(api, client, mfa_token, r.json()["oob_code"], latest_code(server, to))
        assert r.status_code == 200, r.text
        assert amr_value in amr(r.json())

        body = _error(api.password_login(client, user), 403, "mfa_required")
        assert body["mfa_requirements"]["challenge"][0] == {"type": kind}
        (entry,) = [a for a in listing(api, body["mfa_token"]) if a["type"] == kind]
        assert entry["id"].startswith(f"{channel}|dev_") and entry["oob_channel"] == channel and entry["active"]
        assert entry["name"] == ("J***@example.com" if channel == "email" else "XXXXXXX" + to[-4:])
        r = challenge(api, client, body["mfa_token"], challenge_type="oob", oob_channel=channel)
        assert r.status_code == 200, r.text
        r = mfa_oob(api, client, body["mfa_token"], r.json()["oob_code"], latest_code(server, to))
        assert r.status_code == 200 and amr_value in amr(r.json()), r.text


def test_associate_refusals_in_auth0_terms(api, server):
    client, user = api.create_client(GRANTS), api.create_user()
    mfa_token = api.mfa_token(client, user)
    number = new_phone()
    cases = [
        ({"authenticator_types": ["oob"]}, "Missing required parameter: oob_channels"),
        ({"authenticator_types": ["oob"], "oob_channels": ["auth0"]},
         "Unsupported oob_channels: auth0. Supported: sms, voice, email."),
        ({"authenticator_types": ["oob"], "oob_channels": "sms"}, "oob_channels must be a non-empty array"),
        ({"authenticator_types": ["oob"], "oob_channels": ["sms", "email"], "phone_number": number},
         "oob_channels must name one value"),
        ({"authenticator_types": ["otp", "oob"]}, "authenticator_types must name one value"),
        ({"authenticator_types": ["oob"], "oob_channels": ["sms"]}, "Missing required parameter: phone_number"),
        ({"authenticator_types": ["oob"], "oob_channels": ["voice"], "phone_number": number[2:]},
         "phone_number must be in E.164 format: + and the country code, then the number."),
        ({"authenticator_types": ["oob"], "oob_channels": ["sms"], "phone_number": "+1 555 415 1337"},
         "Invalid phone_number: The phone number is not valid."),
        ({"authenticator_types": ["oob"], "oob_channels": ["sms"], "phone_number": "+19005550100"},
         "Invalid phone_number: Codes cannot be sent to this kind of phone number."),
        ({"authenticator_types": ["oob"], "oob_channels": ["email"]}, "Missing required parameter: email"),
        ({"authenticator_types": ["oob"], "oob_channels": ["email"], "email": "not-an-address"},
         "Invalid email: The email address is not valid."),
    ]
    for body, description in cases:
        r = api.http.post("/mfa/associate", headers=_bearer(mfa_token), json=body)
        _error(r, 400, "invalid_request", description)
        assert no_store(r)
    assert listing(api, mfa_token) == []  # nothing was enrolled, nothing sent
    assert db_rows(server, f"SELECT count(*) FROM outbox_messages WHERE recipient = '{number}'")[0][0] in (0, "0")


def test_oob_code_refusals(oob_server):
    """Expired (R20, its expiry moved into the past in the database: the server's clock is the
    real one), unknown, missing, and the answer to another user's challenge."""
    api, server = oob_server.api(), oob_server
    client = api.create_client(GRANTS)
    user = sms_user(server, api, client)
    mfa_token = api.mfa_token(client, user)
    sent = challenge(api, client, mfa_token, challenge_type="oob").json()
    code = latest_code(server, user["number"])
    r = api.token(client, grant_type=MFA_OOB, mfa_token=mfa_token, oob_code=sent["oob_code"])
    _error(r, 400, "invalid_request", "Missing required parameter: binding_code")
    _error(mfa_oob(api, client, mfa_token, "x" * 43, code), 403, "invalid_grant", "Invalid oob_code.")
    other = sms_user(server, api, client)
    other_sent = challenge(api, client, api.mfa_token(client, other), challenge_type="oob").json()
    _error(mfa_oob(api, client, mfa_token, other_sent["oob_code"], code), 403, "invalid_grant", "Invalid oob_code.")

    db_rows(server, f"UPDATE oob_challenges SET expires_at = 1 WHERE user_id = '{user['id']}' AND used_at IS NULL")
    _error(mfa_oob(api, client, mfa_token, sent["oob_code"], code), 403, "expired_token", "oob_code is expired")
    # A new challenge, a new code: the transaction was not spent.
    sent = challenge(api, client, mfa_token, challenge_type="oob").json()
    r = mfa_oob(api, client, mfa_token, sent["oob_code"], latest_code(server, user["number"]))
    assert r.status_code == 200, r.text


def test_a_code_answers_only_its_own_challenge(oob_server):
    """R21: two sign-ins of one user, each challenged: A's code with B's oob_code is a wrong
    binding code, A's oob_code with B's mfa_token names no challenge of B's."""
    api, server = oob_server.api(), oob_server
    client = api.create_client(GRANTS)
    user = sms_user(server, api, client)
    mfa_a, mfa_b = api.mfa_token(client, user), api.mfa_token(client, user)
    sent_a = challenge(api, client, mfa_a, challenge_type="oob").json()
    code_a = latest_code(server, user["number"])
    sent_b = challenge(api, client, mfa_b, challenge_type="oob").json()
    code_b = latest_code(server, user["number"])
    if code_a != code_b:
        _error(mfa_oob(api, client, mfa_b, sent_b["oob_code"], code_a), 403, "invalid_grant", "Invalid binding_code.")
    _error(mfa_oob(api, client, mfa_b, sent_a["oob_code"], code_a), 403, "invalid_grant", "Invalid oob_code.")
    assert mfa_oob(api, client, mfa_b, sent_b["oob_code"], code_b).status_code == 200
    assert mfa_oob(api, client, mfa_a, sent_a["oob_code"], code_a).status_code == 200


def test_twenty_parallel_identical_answers_get_one_token_response(oob_server):
    """R1: the same mfa_token, oob_code and binding_code twenty times at once."""
    api, server = oob_server.api(), oob_server
    client = api.create_client(GRANTS)
    user = sms_user(server, api, client)
    mfa_token = api.mfa_token(client, user)
    sent = challenge(api, client, mfa_token, challenge_type="oob").json()
    code = latest_code(server, user["number"])
    responses = parallel(lambda _: mfa_oob(api, client, mfa_token, sent["oob_code"], code), 20)
    assert sorted(r.status_code for r in responses) == [200] + [403] * 19, [r.text for r in responses]
    assert all(r.json()["error"] in ("invalid_grant", "expired_token") for r in responses if r.status_code != 200)


def test_challenge_types_and_channels(oob_server):
    api, server = oob_server.api(), oob_server
    client = api.create_client(GRANTS)
    user = sms_user(server, api, client)
    mfa_token = api.mfa_token(client, user)
    _error(challenge(api, client, mfa_token, challenge_type="otp"), 400, "unsupported_challenge_type",
           "The user does not support the requested challenge_type. Supported types: oob.")
    _error(challenge(api, client, mfa_token, challenge_type="oob", oob_channel="voice"), 400,
           "unsupported_challenge_type")
    r = challenge(api, client, mfa_token, challenge_type="otp oob", oob_channel="sms")
    assert r.status_code == 200 and r.json()["challenge_type"] == "oob", r.text


def test_a_second_send_within_the_interval_is_429_and_calls_no_provider(api, server):
    """R27 on the default settings: one code per number per 30 s."""
    client = api.create_client(GRANTS)
    user = sms_user(server, api, client)
    mfa_token = api.mfa_token(client, user)
    r = challenge(api, client, mfa_token, challenge_type="oob")
    _error(r, 429, "too_many_attempts")
    assert 1 <= int(r.headers["retry-after"]) <= 30
    ((sent,),) = db_rows(server, f"SELECT count(*) FROM outbox_messages WHERE recipient = '{user['number']}'")
    assert int(sent) == 1  # the association's code only


def test_delete_an_sms_authenticator(oob_server):
    api, server = oob_server.api(), oob_server
    client = api.create_client(GRANTS)
    user = sms_user(server, api, client)
    body = _error(api.password_login(client, user, audience=api.issuer + "mfa/", scope=MFA_API_SCOPES),
                  403, "mfa_required")
    sent = challenge(api, client, body["mfa_token"], challenge_type="oob").json()
    r = mfa_oob(api, client, body["mfa_token"], sent["oob_code"], latest_code(server, user["number"]))
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    (sms,) = [a["id"] for a in listing(api, token) if a["type"] == "phone"]
    assert api.http.delete(f"/mfa/authenticators/{quote('voice|' + sms.split('|')[1], safe='')}",
                           headers=_bearer(token)).status_code == 404
    r = api.http.delete(f"/mfa/authenticators/{quote(sms, safe='')}", headers=_bearer(token))
    assert r.status_code == 204, r.text
    assert listing(api, token) == []  # the recovery code went with the last factor


@pytest.fixture(scope="module")
def provider_down(make_server):
    return make_server("sqlite", extra_env={"TWOFOLD_SMS_PROVIDER": "webhook",
                                            "TWOFOLD_SMS_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/sms",
                                            "TWOFOLD_DELIVERY_TIMEOUT": "2"})


def test_a_provider_failure_is_a_retryable_503(provider_down):
    api = provider_down.api()
    client, user = api.create_client(GRANTS), api.create_user()
    mfa_token = api.mfa_token(client, user)
    r = associate(api, mfa_token, "sms", phone_number=new_phone())
    _error(r, 503, "server_error", "The code could not be sent. Try again.")
    # Nothing answerable was left; an authenticator app still enrolls.
    r = api.associate(mfa_token)
    assert r.status_code == 200, r.text
    assert api.token(client, grant_type=MFA_OTP, mfa_token=mfa_token, otp="000000").status_code == 403
