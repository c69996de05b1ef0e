"""Okta wire shapes rendered from factor views, including the out-of-band shapes that the
SMS/voice/email factors use (reference B.1, B.2, B.4, B.5)."""
from __future__ import annotations

from twofold.authenticators.base import Answer, FactorView
from twofold.dialects.okta.views import factor_object, iso
from twofold.services.factors import FactorInfo

BASE = "https://mfa.example.test/"


def _view(**kw) -> FactorView:
    base = dict(id="smsABCDEFGHIJKLMNOPQ", device_id="dev_x", type="sms", provider="OKTA", status="PENDING_ACTIVATION",
                created_at=1_405_526_036_000, last_updated_at=1_405_526_036_000, auth0_id="sms|dev_x",
                auth0_authenticator_type="oob", auth0_type="phone", primary=True, okta_factor_type="sms",
                auth0_visible=True, answer=Answer.PASSCODE, user_id="00u15s1KDETTQMQYABRL", activation_expires_at=2_000_000_000_000,
                profile={"phoneNumber": "+1-555-415-1337"})
    base.update(kw)
    return FactorView(**base)


def test_iso_timestamps_have_milliseconds_and_z():
    assert iso(1_405_527_236_000) == "2014-07-16T16:13:56.000Z"
    assert iso(1_405_527_236_789) == "2014-07-16T16:13:56.789Z"


def test_pending_sms_shape():
    obj = factor_object(FactorInfo(_view()), BASE, 1_500_000_000_000)
    assert obj["factorType"] == "sms" and obj["status"] == "PENDING_ACTIVATION"
    assert obj["profile"] == {"phoneNumber": "+1-555-415-1337"}
    assert obj["_links"]["resend"] == [{"href": BASE + "api/v1/users/00u15s1KDETTQMQYABRL/factors/smsABCDEFGHIJKLMNOPQ/resend",
                                        "name": "sms", "hints": {"allow": ["POST"]}}]
    assert obj["_links"]["activate"]["hints"] == {"allow": ["POST"]}


def test_active_email_shape_and_expired_pending():
    obj = factor_object(FactorInfo(_view(type="email", okta_factor_type="email", status="ACTIVE",
                                         profile={"email": "a@example.com"})), BASE, 1_500_000_000_000)
    assert obj["profile"] == {"email": "a@example.com"} and "resend" not in obj["_links"]
    assert obj["_links"]["verify"]["hints"] == {"allow": ["POST"]}
    expired = factor_object(FactorInfo(_view(activation_expires_at=1)), BASE, 1_500_000_000_000)
    assert expired["status"] == "EXPIRED"


def test_verify_challenge_shape():
    """Reference B.4: an sms/call/email verify without passCode."""
    from twofold.dialects.okta.views import challenge_object

    href = BASE + "api/v1/users/00u15s1KDETTQMQYABRL/factors/smsABCDEFGHIJKLMNOPQ"
    obj = challenge_object(FactorInfo(_view(status="ACTIVE", profile={"phoneNumber": "+12532236986"})), BASE)
    assert obj == {"factorResult": "CHALLENGE", "profile": {"phoneNumber": "+12532236986"},
                   "_links": {"verify": {"href": href + "/verify", "hints": {"allow": ["POST"]}},
                              "factor": {"href": href, "hints": {"allow": ["GET", "DELETE"]}}}}


def test_catalog_entries():
    from twofold import authenticators
    from twofold.dialects.okta.views import catalog

    entries = [(authenticators.get("question"), "OKTA", False), (authenticators.get("sms"), "OKTA", True)]
    question, sms = catalog("00u1", BASE, entries)
    enroll = {"href": BASE + "api/v1/users/00u1/factors", "hints": {"allow": ["POST"]}}
    assert sms == {"factorType": "sms", "provider": "OKTA", "vendorName": "OKTA", "status": "ACTIVE",
                   "_links": {"enroll": enroll}}
    assert question["status"] == "NOT_SETUP" and question["_links"]["questions"]["href"].endswith("/factors/questions")
