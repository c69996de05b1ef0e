"""Okta Factors API for the factors that send a code: sms, call and email (reference B.2–B.5),
over HTTP against a real server on SQLite and PostgreSQL. Codes are read from the server's
development outbox, as a phone would read them. R1 (single use, in parallel too), R20 (a
lifetime capped at 10 minutes), R25 (a new number is a new binding), R27 (one send per number
per 30 s, refused with no provider call)."""
from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime

import httpx
import pytest

from ..support import db_rows, latest_code, new_email, new_phone, okta_error, outbox, parallel


def _factors(user_id: str) -> str:
    return f"/api/v1/users/{user_id}/factors"


def _enroll(api, user_id, factor_type, profile, query=""):
    return api.http.post(_factors(user_id) + query, headers=api.ssws,
                         json={"factorType": factor_type, "provider": "OKTA", "profile": profile})


def _post(api, href, body=None):
    return api.http.post(href, headers=api.ssws, json=body if body is not None else {})


def _active_sms(api, user_id, phone):
    r = _enroll(api, user_id, "sms", {"phoneNumber": phone}, "?activate=true")
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
    return r.json()


def test_sms_enroll_activate_challenge_verify(sending_server):
    api, server = sending_server.api(), sending_server
    user, phone = api.create_user(), new_phone()
    r = _enroll(api, user["id"], "sms", {"phoneNumber": phone})
    assert r.status_code == 200, r.text
    f = r.json()
    assert (f["factorType"], f["provider"], f["vendorName"], f["status"]) == ("sms", "OKTA", "OKTA",
                                                                              "PENDING_ACTIVATION")
    assert f["id"].startswith("mbl") and len(f["id"]) == 20 and "_embedded" not in f
    assert f["profile"] == {"phoneNumber": phone}
    href = f"{api.base_url}{_factors(user['id'])}/{f['id']}"
    assert f["_links"]["activate"] == {"href": f"{href}/lifecycle/activate", "hints": {"allow": ["POST"]}}
    assert f["_links"]["resend"] == [{"href": f"{href}/resend", "name": "sms", "hints": {"allow": ["POST"]}}]
    [(channel, text)] = outbox(server, phone)
    assert channel == "sms" and "expires in 5 minutes" in text
    code = latest_code(server, phone)

    wrong = "000000" if code != "000000" else "111111"
    body = okta_error(_post(api, f["_links"]["activate"]["href"], {"passCode": wrong}), 403, "E0000068")
    assert body["errorCauses"] == [{"errorSummary": "Your passcode doesn't match our records. Please try again."}]
    r = _post(api, f["_links"]["activate"]["href"], {"passCode": code})
    assert r.status_code == 200, r.text
    active = r.json()
    assert active["status"] == "ACTIVE" and set(active["_links"]) == {"verify", "self", "user"}
    assert active["profile"] == {"phoneNumber": phone}

    # Verify without a passCode sends a code (reference B.4) ...
    r = _post(api, active["_links"]["verify"]["href"])
    assert r.status_code == 200, r.text
    assert r.json() == {"factorResult": "CHALLENGE", "profile": {"phoneNumber": phone},
                        "_links": {"verify": {"href": f"{href}/verify", "hints": {"allow": ["POST"]}},
                                   "factor": {"href": href, "hints": {"allow": ["GET", "DELETE"]}}}}
    assert len(outbox(server, phone)) == 2
    second = latest_code(server, phone)
    # ... the activation code does not answer it (it answered its own challenge) ...
    if second != code:
        okta_error(_post(api, active["_links"]["verify"]["href"], {"passCode": code}), 403, "E0000068")
    # ... its own code does, once (R1).
    r = _post(api, active["_links"]["verify"]["href"], {"passCode": second})
    assert r.status_code == 200 and r.json() == {"factorResult": "SUCCESS"}
    body = okta_error(_post(api, active["_links"]["verify"]["href"], {"passCode": second}), 403, "E0000082")
    assert "once" in body["errorSummary"]


@pytest.mark.parametrize("factor_type,profile_of,channel,prefix", [
    ("call", lambda: {"phoneNumber": new_phone(), "phoneExtension": "1234"}, "voice", "clf"),
    ("email", lambda: {"email": new_email()}, "email", "emf"),
])
def test_call_and_email_factors(sending_server, factor_type, profile_of, channel, prefix):
    api, server = sending_server.api(), sending_server
    user, profile = api.create_user(), profile_of()
    to = profile.get("phoneNumber") or profile["email"]
    r = _enroll(api, user["id"], factor_type, profile)
    assert r.status_code == 200, r.text
    f = r.json()
    assert f["id"].startswith(prefix) and f["factorType"] == factor_type and f["status"] == "PENDING_ACTIVATION"
    assert f["profile"] == profile
    assert [link["name"] for link in f["_links"]["resend"]] == [factor_type]
    [(sent_on, _text)] = outbox(server, to)
    assert sent_on == channel
    r = _post(api, f["_links"]["activate"]["href"], {"passCode": latest_code(server, to)})
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
    r = _post(api, r.json()["_links"]["verify"]["href"])
    assert r.json()["factorResult"] == "CHALLENGE" and r.json()["profile"] == profile
    r = _post(api, f"{api.base_url}{_factors(user['id'])}/{f['id']}/verify", {"passCode": latest_code(server, to)})
    assert r.json() == {"factorResult": "SUCCESS"}


def test_enrollment_refuses_bad_numbers_and_extensions(api):
    user = api.create_user()
    for profile in ({"phoneNumber": "+19005550100"}, {"phoneNumber": "+1 555 415 1337"}, {}, {"phoneNumber": 5}):
        okta_error(_enroll(api, user["id"], "sms", profile), 400, "E0000001",
                   "Api validation failed: factorEnrollRequest")
    okta_error(_enroll(api, user["id"], "call", {"phoneNumber": new_phone(), "phoneExtension": "12a"}), 400,
               "E0000001")
    okta_error(_enroll(api, user["id"], "email", {"email": "not-an-address"}), 400, "E0000001")
    assert api.http.get(_factors(user["id"]), headers=api.ssws).json() == []


def test_resend_sends_a_new_code_and_the_old_one_stops_working(sending_server):
    api, server = sending_server.api(), sending_server
    user, phone = api.create_user(), new_phone()
    f = _enroll(api, user["id"], "sms", {"phoneNumber": phone}).json()
    first = latest_code(server, phone)
    r = _post(api, f["_links"]["resend"][0]["href"], {"factorType": "sms"})
    assert r.status_code == 200, r.text
    assert r.json()["id"] == f["id"] and r.json()["status"] == "PENDING_ACTIVATION" and "resend" in r.json()["_links"]
    assert len(outbox(server, phone)) == 2
    second = latest_code(server, phone)
    if first != second:
        okta_error(_post(api, f["_links"]["activate"]["href"], {"passCode": first}), 403, "E0000068")
    r = _post(api, f["_links"]["activate"]["href"], {"passCode": second})
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE"
    # An active factor is not resent (verify without a passCode sends its codes).
    okta_error(_post(api, f["_links"]["resend"][0]["href"]), 400, "E0000001")
    assert len(outbox(server, phone)) == 2
    okta_error(_post(api, f"{api.base_url}{_factors(user['id'])}/mblNOSUCHFACTOR00000/resend"), 404, "E0000007")


def test_a_second_send_to_one_phone_within_30_s_is_429_E0000047(api, server):
    """Okta's rule (R27): one SMS or call per phone number per 30 s; the refused send reaches no
    provider, and the answer carries what the SDKs need to back off (Date, X-Rate-Limit-Reset)."""
    user, phone = api.create_user(), new_phone()
    f = _enroll(api, user["id"], "sms", {"phoneNumber": phone}).json()
    r = _post(api, f["_links"]["resend"][0]["href"])
    body = okta_error(r, 429, "E0000047", "API call exceeded rate limit due to too many requests.")
    assert body["errorCauses"] == []
    date = parsedate_to_datetime(r.headers["date"]).timestamp()
    reset = int(r.headers["x-rate-limit-reset"])
    assert 25 <= reset - date <= 31 and r.headers["x-rate-limit-remaining"] == "0"
    assert 25 <= int(r.headers["retry-after"]) <= 30
    assert len(outbox(server, phone)) == 1  # no second message: the provider was not called
    # The first code still activates the factor.
    r = _post(api, f["_links"]["activate"]["href"], {"passCode": latest_code(server, phone)})
    assert r.status_code == 200
    # A challenge by verify within the 30 s is refused the same way; so is a call to that number.
    okta_error(_post(api, r.json()["_links"]["verify"]["href"]), 429, "E0000047")
    call = _enroll(api, user["id"], "call", {"phoneNumber": phone})
    okta_error(call, 429, "E0000047")
    assert len(outbox(server, phone)) == 1


def test_auto_activation_sends_nothing(api, server):
    user, phone, address = api.create_user(), new_phone(), new_email()
    f = _active_sms(api, user["id"], phone)
    assert "resend" not in f["_links"] and f["_links"]["verify"]["hints"]["allow"] == ["POST"]
    r = _enroll(api, user["id"], "email", {"email": address}, "?activate=true")
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE"
    assert outbox(server, phone) == [] and outbox(server, address) == []
    # The first send is the challenge of a verify.
    r = _post(api, f["_links"]["verify"]["href"])
    assert r.json()["factorResult"] == "CHALLENGE"
    assert _post(api, f["_links"]["verify"]["href"], {"passCode": latest_code(server, phone)}).json() == {
        "factorResult": "SUCCESS"}
    kinds = {(x["factorType"], x["status"]) for x in api.http.get(_factors(user["id"]), headers=api.ssws).json()}
    assert kinds == {("sms", "ACTIVE"), ("email", "ACTIVE")}


def test_update_phone_replaces_the_registered_number(api, server):
    user, old, new = api.create_user(), new_phone(), new_phone()
    active = _active_sms(api, user["id"], old)
    body = okta_error(_enroll(api, user["id"], "sms", {"phoneNumber": new}), 400, "E0000001",
                      "Api validation failed: factorEnrollRequest")
    assert body["errorCauses"] == [{"errorSummary": "There is an existing verified phone number."}]
    body = okta_error(_enroll(api, user["id"], "sms", {"phoneNumber": old}, "?updatePhone=true"), 400, "E0000001")
    assert body["errorCauses"] == [{"errorSummary": "A factor of this type is already set up."}]
    r = _enroll(api, user["id"], "sms", {"phoneNumber": new}, "?updatePhone=true")
    assert r.status_code == 200, r.text
    f = r.json()
    # A new number is a new binding (R25): pending until its own first code.
    assert f["status"] == "PENDING_ACTIVATION" and f["profile"] == {"phoneNumber": new} and f["id"] != active["id"]
    listed = api.http.get(_factors(user["id"]), headers=api.ssws).json()
    assert [(x["id"], x["status"]) for x in listed] == [(f["id"], "PENDING_ACTIVATION")]
    okta_error(api.http.get(f"{_factors(user['id'])}/{active['id']}", headers=api.ssws), 404, "E0000007")
    assert outbox(server, old) == []
    r = _post(api, f["_links"]["activate"]["href"], {"passCode": latest_code(server, new)})
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE"
    # updatePhone is a phone's: an email address is not replaced by it.
    _enroll(api, user["id"], "email", {"email": new_email()}, "?activate=true")
    body = okta_error(_enroll(api, user["id"], "email", {"email": new_email()}, "?updatePhone=true"), 400, "E0000001")
    assert body["errorCauses"] == [{"errorSummary": "There is an existing verified email address."}]


def test_token_lifetime_seconds(sending_server):
    """Okta's tokenLifetimeSeconds (1–86400) sets the code's lifetime, capped at 10 minutes (R20)."""
    api, server = sending_server.api(), sending_server
    user = api.create_user()
    for bad in ("0", "86401", "x", "-5"):
        okta_error(_enroll(api, user["id"], "sms", {"phoneNumber": new_phone()}, f"?tokenLifetimeSeconds={bad}"),
                   400, "E0000001", "Api validation failed: tokenLifetimeSeconds")
    f = _enroll(api, user["id"], "sms", {"phoneNumber": new_phone()}, "?tokenLifetimeSeconds=120").json()

    def lifetimes():
        return [int(ttl) for (ttl,) in db_rows(server, "SELECT expires_at - created_at FROM oob_challenges "
                                                       f"WHERE factor_id = '{f['id']}' ORDER BY created_at")]

    assert lifetimes() == [120_000]
    _post(api, f["_links"]["resend"][0]["href"] + "?tokenLifetimeSeconds=86400")
    assert lifetimes()[-1] == 600_000  # asked for a day, given the 10 minutes R20 allows
    _post(api, f["_links"]["resend"][0]["href"])
    assert lifetimes()[-1] == 300_000  # the default


def test_parallel_identical_verifies_make_one_success(sending_server):
    """Twenty submissions of one right code at once: one SUCCESS; the others are replays (R1),
    or refused once the lockout counter, which counts them, is full."""
    api, server = sending_server.api(), sending_server
    user, phone = api.create_user(), new_phone()
    f = _active_sms(api, user["id"], phone)
    assert _post(api, f["_links"]["verify"]["href"]).json()["factorResult"] == "CHALLENGE"
    code = latest_code(server, phone)

    def verify(_):
        with httpx.Client(timeout=60) as http:
            return http.post(f["_links"]["verify"]["href"], headers=api.ssws, json={"passCode": code})

    answers = parallel(verify, 20)
    assert [r.status_code for r in answers].count(200) == 1, [r.text for r in answers]
    refused = [r.json()["errorCode"] for r in answers if r.status_code != 200]
    assert all(r.status_code == 403 for r in answers if r.status_code != 200)
    assert set(refused) <= {"E0000082", "E0000069"} and "E0000082" in refused, refused


def test_catalog_lists_sms_call_and_email_while_the_policy_allows_them(api):
    from ..support import default_enroll_policy, put_enroll_modes

    user = api.create_user()
    _active_sms(api, user["id"], new_phone())

    def catalog():
        r = api.http.get(_factors(user["id"]) + "/catalog", headers=api.ssws)
        assert r.status_code == 200, r.text
        return {(c["factorType"], c["provider"]): c["status"] for c in r.json()}

    assert catalog() == {("token:software:totp", "GOOGLE"): "NOT_SETUP", ("token:software:totp", "OKTA"): "NOT_SETUP",
                         ("question", "OKTA"): "NOT_SETUP", ("sms", "OKTA"): "ACTIVE", ("call", "OKTA"): "NOT_SETUP",
                         ("email", "OKTA"): "NOT_SETUP"}
    policy = default_enroll_policy(api)
    try:
        assert put_enroll_modes(api, policy, okta_email="NOT_ALLOWED", phone_number="NOT_ALLOWED").status_code == 200
        deadline = time.time() + 10  # other processes' rules cache: at most 5 s
        while ("email", "OKTA") in catalog() and time.time() < deadline:
            time.sleep(0.5)
        # Not enrollable any more; the user's active sms factor is still listed.
        assert set(catalog()) == {("token:software:totp", "GOOGLE"), ("token:software:totp", "OKTA"),
                                  ("question", "OKTA"), ("sms", "OKTA")}
    finally:
        assert put_enroll_modes(api, policy, okta_email="OPTIONAL", phone_number="OPTIONAL").status_code == 200


def test_template_id_and_accept_language_pick_the_message(sending_server):
    """Okta's `templateId` names one of the Phone authenticator's templates; without it,
    `Accept-Language` picks the best language; else the built-in text."""
    from ..support import authenticators_by_key

    api, server = sending_server.api(), sending_server
    phone_auth = authenticators_by_key(api)["phone_number"]
    put = lambda settings: api.http.put(f"/api/v1/authenticators/{phone_auth['id']}", headers=api.ssws,  # noqa: E731
                                        json={"name": phone_auth["name"], "settings": settings})
    r = put({"templates": [
        {"id": "tplFr", "channel": "sms", "language": "fr", "text": "Votre code {issuer} : {code}"},
        {"id": "tplShort", "channel": "sms", "language": "de", "text": "Code {code}"}]})
    assert r.status_code == 200, r.text
    try:
        user, phone = api.create_user(), new_phone()
        r = api.http.post(_factors(user["id"]), json={"factorType": "sms", "provider": "OKTA",
                                                      "profile": {"phoneNumber": phone}},
                          headers={**api.ssws, "Accept-Language": "fr-CA, fr;q=0.9, en;q=0.5"})
        assert r.status_code == 200, r.text
        assert outbox(server, phone)[0][1].startswith("Votre code ")  # newest first
        f = r.json()
        r = _post(api, f"{f['_links']['resend'][0]['href']}?templateId=tplShort", {"factorType": "sms"})
        assert r.status_code == 200, r.text
        assert re.fullmatch(r"Code \d{6}", outbox(server, phone)[0][1])
        # An id that names no template is refused before anything is sent.
        before = len(outbox(server, phone))
        r = _post(api, f"{f['_links']['resend'][0]['href']}?templateId=nope", {"factorType": "sms"})
        assert r.status_code == 400, r.text
        assert len(outbox(server, phone)) == before
    finally:
        assert put({"templates": None}).status_code == 200
