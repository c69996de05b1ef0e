"""Okta Factors API over HTTP (reference B.1–B.5), one domain with the Auth0 dialect: the same
factor, replay guard and lockout counter (R1, R30, R37, R39)."""
from __future__ import annotations

import re
import subprocess
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from ..support import okta_error, parallel, two_codes, wrong_code

TOTP = "token:software:totp"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _factors(api, user_id):
    return f"/api/v1/users/{user_id}/factors"


def _enroll(api, user_id, provider="GOOGLE"):
    r = api.http.post(_factors(api, user_id), headers=api.ssws, json={"factorType": TOTP, "provider": provider})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("provider", ["GOOGLE", "OKTA"])
def test_enroll_activate_verify_walkthrough(api, provider):
    user = api.create_user()
    f = _enroll(api, user["id"], provider)
    assert f["status"] == "PENDING_ACTIVATION" and f["factorType"] == TOTP and f["provider"] == provider
    assert f["id"].startswith("ostf") and len(f["id"]) == 20
    assert ISO.match(f["created"]) and ISO.match(f["lastUpdated"])
    act = f["_embedded"]["activation"]
    assert act["timeStep"] == 30 and act["encoding"] == "base32" and len(act["sharedSecret"]) == 32
    assert f["_links"]["activate"]["hints"]["allow"] == ["POST"]
    for link in f["_links"].values():
        assert link["href"].startswith(api.base_url)
    first, second = two_codes(act["sharedSecret"])
    r = api.http.post(f["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": first})
    assert r.status_code == 200, r.text
    active = r.json()
    assert active["status"] == "ACTIVE" and "_embedded" not in active
    assert active["_links"]["verify"]["hints"]["allow"] == ["POST"]
    assert active["_links"]["self"]["hints"]["allow"] == ["GET", "DELETE"]
    r = api.http.post(active["_links"]["verify"]["href"], headers=api.ssws, json={"passCode": second})
    assert r.status_code == 200 and r.json() == {"factorResult": "SUCCESS"}
    # The activation code and the verified code are spent (R1): PASSCODE_REPLAYED semantics.
    for code in (first, second):
        body = okta_error(api.http.post(active["_links"]["verify"]["href"], headers=api.ssws, json={"passCode": code}),
                           403, "E0000082")
        assert "once" in body["errorSummary"]
    # Reads never show the secret again once active (R7, R39).
    r = api.http.get(f"{_factors(api, user['id'])}/{f['id']}", headers=api.ssws)
    assert r.status_code == 200 and "_embedded" not in r.json() and act["sharedSecret"] not in r.text


def test_wrong_code_is_403_E0000068(api):
    user = api.create_user()
    f = _enroll(api, user["id"])
    secret = f["_embedded"]["activation"]["sharedSecret"]
    wrong = wrong_code(secret)
    body = okta_error(api.http.post(f["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": wrong}),
                       403, "E0000068")
    assert body["errorSummary"] == "Invalid Passcode/Answer"
    assert body["errorCauses"] == [{"errorSummary": "Your passcode doesn't match our records. Please try again."}]
    okta_error(api.http.post(f["_links"]["activate"]["href"], headers=api.ssws, json={}), 400, "E0000001")


def test_qr_code_is_a_png_of_the_secret_not_carrying_it(api, tmp_path):
    user = api.create_user()
    f = _enroll(api, user["id"], "OKTA")
    secret = f["_embedded"]["activation"]["sharedSecret"]
    link = f["_embedded"]["_links"]["qrcode"]
    assert link["type"] == "image/png" and secret not in link["href"] and "secret" not in link["href"]
    r = api.http.get(link["href"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert r.headers["cache-control"] == "no-store"
    png = tmp_path / "qr.png"
    png.write_bytes(r.content)
    decoded = subprocess.check_output(["zbarimg", "-q", "--raw", str(png)], text=True).strip()
    assert decoded.startswith("otpauth://totp/") and parse_qs(urlparse(decoded).query)["secret"] == [secret]
    # A forged token does not work; after activation the real one answers 404 too.
    assert api.http.get(link["href"][:-4] + "AAAA").status_code == 404
    code, _ = two_codes(secret)
    assert api.http.post(f["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": code}).status_code == 200
    assert api.http.get(link["href"]).status_code == 404


def test_already_enrolled_and_re_enrollment_of_a_pending_factor(api):
    user = api.create_user()
    first = _enroll(api, user["id"])
    second = _enroll(api, user["id"])  # pending: replaced, as Okta does
    assert api.http.get(f"{_factors(api, user['id'])}/{first['id']}", headers=api.ssws).status_code == 404
    code, _ = two_codes(second["_embedded"]["activation"]["sharedSecret"])
    assert api.http.post(second["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": code}).status_code == 200
    body = okta_error(api.http.post(_factors(api, user["id"]), headers=api.ssws,
                                     json={"factorType": TOTP, "provider": "GOOGLE"}), 400, "E0000001")
    assert body["errorCauses"] == [{"errorSummary": "A factor of this type is already set up."}]
    assert _enroll(api, user["id"], "OKTA")["status"] == "PENDING_ACTIVATION"  # another provider is another factor


def test_list_get_delete_catalog_questions(api):
    user = api.create_user()
    f = _enroll(api, user["id"])
    r = api.http.get(_factors(api, user["id"]), headers=api.ssws)
    assert r.status_code == 200 and [x["id"] for x in r.json()] == [f["id"]]
    r = api.http.get(_factors(api, user["id"]) + "/catalog", headers=api.ssws)
    kinds = {(c["factorType"], c["provider"]) for c in r.json()}
    assert {(TOTP, "OKTA"), (TOTP, "GOOGLE"), ("question", "OKTA")} <= kinds
    assert all(c["_links"]["enroll"]["href"].endswith("/factors") for c in r.json())
    r = api.http.get(_factors(api, user["id"]) + "/questions", headers=api.ssws)
    assert {"question": "disliked_food", "questionText": "What is the food you least liked as a child?"} in r.json()
    assert api.http.delete(f"{_factors(api, user['id'])}/{f['id']}", headers=api.ssws).status_code == 204
    okta_error(api.http.get(f"{_factors(api, user['id'])}/{f['id']}", headers=api.ssws), 404, "E0000007")
    okta_error(api.http.get(_factors(api, "00uNOSUCHUSER0000000"), headers=api.ssws), 404, "E0000007")
    okta_error(api.http.get(_factors(api, user["id"])), 401, "E0000011")
    assert api.http.get(_factors(api, user["login"]), headers=api.ssws).status_code == 200  # login works as id


def test_security_question(api):
    user = api.create_user()
    body = {"factorType": "question", "provider": "OKTA", "profile": {"question": "disliked_food", "answer": "Mayonnaise"}}
    r = api.http.post(_factors(api, user["id"]), headers=api.ssws, json=body)
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
    q = r.json()
    assert q["profile"] == {"question": "disliked_food", "questionText": "What is the food you least liked as a child?"}
    verify = q["_links"]["verify"]["href"]
    assert api.http.post(verify, headers=api.ssws, json={"answer": "  mayonnaise "}).json() == {"factorResult": "SUCCESS"}
    err = okta_error(api.http.post(verify, headers=api.ssws, json={"answer": "ketchup"}), 403, "E0000068")
    assert err["errorCauses"] == [{"errorSummary": "Your answer doesn't match our records. Please try again."}]
    okta_error(api.http.post(_factors(api, user["id"]), headers=api.ssws,
                              json={**body, "profile": {"question": "disliked_food", "answer": "abc"}}), 400, "E0000001")
    okta_error(api.http.post(_factors(api, user["id"]), headers=api.ssws,
                              json={"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+15551234567"}}),
                400, "E0000001")


def test_security_answers_share_the_lockout_counter_even_in_parallel(api):
    """R30, R31: wrong answers, sent ten at a time, are counted before the (slow) argon2id
    verdict: no more than the limit are judged, then the user is locked for codes too."""
    user = api.create_user()
    body = {"factorType": "question", "provider": "OKTA", "profile": {"question": "disliked_food", "answer": "Mayonnaise"}}
    verify = api.http.post(_factors(api, user["id"]), headers=api.ssws, json=body).json()["_links"]["verify"]["href"]

    def guess(i):
        with httpx.Client(timeout=60) as http:
            return http.post(verify, headers=api.ssws, json={"answer": f"guess-{i}"})

    answers = parallel(guess, 14)
    codes = sorted(r.json()["errorCode"] for r in answers)
    assert codes.count("E0000068") == 10 and codes.count("E0000069") == 4, codes  # default limit: 10
    okta_error(api.http.post(verify, headers=api.ssws, json={"answer": "Mayonnaise"}), 403, "E0000069")


def test_one_factor_two_dialects(api):
    """Enrolled with Auth0's /mfa/associate → visible and verifiable through Okta, and back."""
    client = api.create_client()
    a0 = api.enrolled_user(client)
    r = api.http.get(_factors(api, a0["id"]), headers=api.ssws)
    (factor,) = r.json()  # the recovery code is not an Okta factor
    assert factor["factorType"] == TOTP and factor["provider"] == "GOOGLE" and factor["status"] == "ACTIVE"
    r = api.http.post(factor["_links"]["verify"]["href"], headers=api.ssws, json={"passCode": a0["next_code"]})
    assert r.json() == {"factorResult": "SUCCESS"}
    # ... and the code verified through Okta is spent for the Auth0 grant too (one replay guard).
    mt = api.mfa_token(client, a0)
    assert api.mfa_otp(client, mt, a0["next_code"]).json()["error_description"] == "Invalid otp_code."

    user = api.create_user()
    f = _enroll(api, user["id"], "OKTA")
    first, second = two_codes(f["_embedded"]["activation"]["sharedSecret"])
    api.http.post(f["_links"]["activate"]["href"], headers=api.ssws, json={"passCode": first})
    r = api.password_login(client, user)
    assert r.json()["mfa_requirements"] == {"challenge": [{"type": "otp"}]}
    mt = r.json()["mfa_token"]
    listed = api.http.get("/mfa/authenticators", headers={"Authorization": f"Bearer {mt}"}).json()
    assert [(a["authenticator_type"], a["active"]) for a in listed] == [("otp", True)]
    assert api.mfa_otp(client, mt, second).status_code == 200


def test_one_lockout_counter_for_both_dialects(api):
    client = api.create_client()
    user = api.enrolled_user(client)
    (factor,) = api.http.get(_factors(api, user["id"]), headers=api.ssws).json()
    wrong = wrong_code(user["secret"])
    for i in range(10):
        if i % 2:
            api.http.post(factor["_links"]["verify"]["href"], headers=api.ssws, json={"passCode": wrong})
        else:
            api.mfa_otp(client, api.mfa_token(client, user), wrong)
    body = okta_error(api.http.post(factor["_links"]["verify"]["href"], headers=api.ssws,
                                     json={"passCode": user["next_code"]}), 403, "E0000069")
    assert body["errorSummary"] == "User Locked"
    assert api.mfa_otp(client, api.mfa_token(client, user), user["next_code"]).status_code == 429


def test_rate_limit_headers_on_management_answers(api):
    user = api.create_user()
    r = api.http.get(_factors(api, user["id"]), headers=api.ssws)
    assert int(r.headers["x-rate-limit-limit"]) >= int(r.headers["x-rate-limit-remaining"]) >= 0
    assert int(r.headers["x-rate-limit-reset"]) > 0 and r.headers["date"]


def test_rate_limit_exceeded_is_429_E0000047(backend, make_server):
    srv = make_server(backend, extra_env={"TWOFOLD_MANAGEMENT_RATE_LIMIT_PER_MINUTE": "3"})
    api = srv.api()
    # The window is the clock's minute: a burst may straddle one boundary, never two, so the
    # fourth call of one window is refused within the first seven calls.
    answers = []
    for _ in range(7):
        answers.append(api.http.get(_factors(api, "00uNOSUCHUSER0000000"), headers=api.ssws))
        if answers[-1].status_code == 429:
            break
    refused = len(answers) - 1
    assert answers[refused].status_code == 429 and refused >= 3, [r.status_code for r in answers]
    window = answers[refused - 3:refused]
    assert [r.status_code for r in window] == [404, 404, 404]
    assert [r.headers["x-rate-limit-remaining"] for r in window] == ["2", "1", "0"]
    body = okta_error(answers[refused], 429, "E0000047")
    assert body["errorSummary"] == "API call exceeded rate limit due to too many requests."
    # The Okta SDKs need these two to back off (reference B.0).
    assert answers[refused].headers["x-rate-limit-remaining"] == "0"
    assert answers[refused].headers["x-rate-limit-reset"] and answers[refused].headers["date"]


def test_verify_without_a_code_is_malformed_and_not_counted(api):
    client = api.create_client()
    user = api.enrolled_user(client)
    (factor,) = api.http.get(_factors(api, user["id"]), headers=api.ssws).json()
    for _ in range(12):  # more than the lockout limit: none of them is a guess
        okta_error(api.http.post(factor["_links"]["verify"]["href"], headers=api.ssws, json={}), 400, "E0000001")
    r = api.http.post(factor["_links"]["verify"]["href"], headers=api.ssws, json={"passCode": user["next_code"]})
    assert r.json() == {"factorResult": "SUCCESS"}


def test_ssws_scheme_with_and_without_space(api):
    token = api.api_token
    assert api.http.get("/api/v1/users?limit=1", headers={"Authorization": f"SSWS{token}"}).status_code == 200
    for header in ("SSWS", f"Bearer {token}", f"ssws {token}"):
        okta_error(api.http.get("/api/v1/users?limit=1", headers={"Authorization": header}), 401, "E0000011")


def test_parallel_question_enrollments_make_one_factor(api):
    import httpx

    from ..support import parallel

    user = api.create_user()
    body = {"factorType": "question", "provider": "OKTA", "profile": {"question": "first_award", "answer": "spelling bee"}}

    def enroll(_):
        with httpx.Client(base_url=api.base_url, headers=api.ssws, timeout=30) as c:
            return c.post(_factors(api, user["id"]), json=body).status_code

    codes = parallel(enroll, 6)
    assert codes.count(200) == 1 and all(c == 400 for c in codes if c != 200), codes
    assert [f["factorType"] for f in api.http.get(_factors(api, user["id"]), headers=api.ssws).json()] == ["question"]


def test_totp_is_never_auto_activated(api):
    user = api.create_user()
    r = api.http.post(_factors(api, user["id"]) + "?activate=true", headers=api.ssws,
                      json={"factorType": TOTP, "provider": "GOOGLE"})
    okta_error(r, 400, "E0000001")
    assert api.http.get(_factors(api, user["id"]), headers=api.ssws).json() == []


def test_enroll_refusals_in_okta_terms(api):
    """The Okta adapter resolves factorType and provider into a factor type and refuses, in
    Okta's words, what names none, and an auto-activation of a factor whose secret is shown once."""
    user = api.create_user()

    def enroll(body, query=""):
        return api.http.post(f"/api/v1/users/{user['id']}/factors{query}", headers=api.ssws, json=body)

    body = okta_error(enroll({"factorType": "push", "provider": "okta"}), 400, "E0000001",
                      "Api validation failed: factorEnrollRequest")
    assert [c["errorSummary"] for c in body["errorCauses"]] == ["Factor type push with provider OKTA is not supported."]
    body = okta_error(enroll({"factorType": "sms", "provider": "GOOGLE", "profile": {"phoneNumber": "+14155552671"}}),
                      400, "E0000001", "Api validation failed: factorEnrollRequest")
    assert [c["errorSummary"] for c in body["errorCauses"]] == ["Factor type sms with provider GOOGLE is not supported."]
    body = okta_error(enroll({"factorType": "token:software:totp", "provider": "GOOGLE"}, "?activate=true"), 400,
                      "E0000001", "Api validation failed: factorEnrollRequest")
    assert [c["errorSummary"] for c in body["errorCauses"]] == ["Auto-activation is not supported for this factor."]
