"""The real server delivering codes to real peers, in both dialects: SMS through the webhook
to the HTTP gateway, email through SMTP to aiosmtpd. A factor is enrolled with the Okta Factors
API (or associated and confirmed with Auth0's /mfa/associate and mfa-oob, then used to sign in
again), its code read off the delivered message as a phone or an inbox would; with the gateway
down the answer is Okta's retryable 503 and a retry works. Neither the code nor the number
appears in the server's log. On SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
import hmac
import secrets

import pytest


from ..conftest import Server, _database_url
from ..peers import Gateway, SmtpPeer
from ..support import new_phone, okta_error

SECRET = "wire-webhook-secret"


@pytest.fixture(scope="module")
def gateway():
    peer = Gateway().start()
    yield peer
    peer.stop()


@pytest.fixture(scope="module")
def smtp_peer():
    peer = SmtpPeer().start()
    yield peer
    peer.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def delivering(request, tmp_path_factory, pg_database_factory, gateway, smtp_peer) -> Server:
    data_dir = tmp_path_factory.mktemp(f"delivering-{request.param}")
    env = {"TWOFOLD_SMS_PROVIDER": "webhook", "TWOFOLD_SMS_WEBHOOK_URL": gateway.webhook_url,
           "TWOFOLD_SMS_WEBHOOK_SECRET": SECRET, "TWOFOLD_EMAIL_PROVIDER": "smtp",
           "TWOFOLD_SMTP_HOST": smtp_peer.host, "TWOFOLD_SMTP_PORT": str(smtp_peer.port), "TWOFOLD_SMTP_TLS": "none",
           "TWOFOLD_EMAIL_FROM": "Acme MFA <mfa@acme.example>", "TWOFOLD_DELIVERY_TIMEOUT": "1",
           "TWOFOLD_SEND_INTERVAL_SECONDS": "0"}  # flows send twice to one number; the interval is tested elsewhere
    srv = Server(f"delivering-{request.param}", _database_url(request.param, data_dir, pg_database_factory),
                 data_dir, "00" + secrets.token_urlsafe(30), env).start()
    yield srv
    srv.stop()


def _enroll(api, user: dict, factor_type: str, profile: dict):
    return api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                         json={"factorType": factor_type, "provider": "OKTA", "profile": profile})


def _activate(api, user: dict, factor: dict, code: str):
    return api.http.post(f"/api/v1/users/{user['id']}/factors/{factor['id']}/lifecycle/activate",
                         headers=api.ssws, json={"passCode": code})


def test_an_sms_factor_is_activated_with_the_code_the_gateway_received(delivering, gateway):
    api, number = delivering.api(), new_phone()
    user = api.create_user()
    r = _enroll(api, user, "sms", {"phoneNumber": number})
    assert r.status_code == 200 and r.json()["status"] == "PENDING_ACTIVATION", r.text
    delivered = gateway.sent_to(number)[-1]
    signature = "sha256=" + hmac.new(SECRET.encode(), delivered.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(delivered.headers["x-twofold-signature"], signature)
    assert delivered.json()["channel"] == "sms"
    code = gateway.code_sent_to(number)
    r = _activate(api, user, r.json(), code)
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
    log = delivering.log_text()
    assert code not in log and number not in log and number[2:] not in log


def test_an_email_factor_is_activated_with_the_code_from_the_inbox(delivering, smtp_peer):
    api = delivering.api()
    user = api.create_user()
    address = f"inbox-{secrets.token_hex(4)}@example.com"
    r = _enroll(api, user, "email", {"email": address})
    assert r.status_code == 200 and r.json()["status"] == "PENDING_ACTIVATION", r.text
    mail = smtp_peer.mail_to(address)
    assert mail.message["From"] == "Acme MFA <mfa@acme.example>"
    assert {"text/plain", "text/html"} <= {p.get_content_type() for p in mail.message.iter_parts()}
    code = smtp_peer.code_sent_to(address)
    assert code in mail.part("text/html")
    r = _activate(api, user, r.json(), code)
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
    log = delivering.log_text()
    assert code not in log and address not in log


@pytest.mark.parametrize("trouble", ["down", "5xx"])
def test_with_the_gateway_in_trouble_the_answer_is_503_and_a_retry_works(delivering, gateway, trouble):
    api, number = delivering.api(), new_phone()
    user = api.create_user()
    if trouble == "down":
        with gateway.down():
            r = _enroll(api, user, "sms", {"phoneNumber": number})
    else:
        with gateway.answering(status=503):
            r = _enroll(api, user, "sms", {"phoneNumber": number})
    okta_error(r, 503, "E0000138")
    assert r.headers["retry-after"] == "1"
    pending = api.http.get(f"/api/v1/users/{user['id']}/factors", headers=api.ssws).json()
    # Whatever was kept is pending with no code to answer: the retry at once is delivered.
    assert all(f["status"] != "ACTIVE" for f in pending)
    r = _enroll(api, user, "sms", {"phoneNumber": number})
    assert r.status_code == 200, r.text
    r = _activate(api, user, r.json(), gateway.code_sent_to(number))
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text


MFA_OOB = "http://auth0.com/oauth/grant-type/mfa-oob"


def _auth0_flow(api, read_code, channel: str, contact: dict) -> None:
    """Auth0: associate, confirm with mfa-oob, sign in again with /mfa/challenge and mfa-oob:
    every code read off what the peer received."""
    from ..support import ALL_GRANTS

    client, user = api.create_client([*ALL_GRANTS, MFA_OOB]), api.create_user()
    r = api.password_login(client, user)
    assert r.status_code == 403, r.text
    mfa_token = r.json()["mfa_token"]
    made = api.http.post("/mfa/associate", headers={"Authorization": f"Bearer {mfa_token}"},
                         json={"authenticator_types": ["oob"], "oob_channels": [channel], **contact})
    assert made.status_code == 200, made.text
    r = api.token(client, grant_type=MFA_OOB, mfa_token=mfa_token, oob_code=made.json()["oob_code"],
                  binding_code=read_code())
    assert r.status_code == 200, r.text
    r = api.password_login(client, user)
    assert r.status_code == 403, r.text
    mfa_token = r.json()["mfa_token"]
    sent = api.http.post("/mfa/challenge", json={"client_id": client["client_id"],
                                                 "client_secret": client["client_secret"],
                                                 "mfa_token": mfa_token, "challenge_type": "oob"})
    assert sent.status_code == 200, sent.text
    r = api.token(client, grant_type=MFA_OOB, mfa_token=mfa_token, oob_code=sent.json()["oob_code"],
                  binding_code=read_code())
    assert r.status_code == 200 and "access_token" in r.json(), r.text


def test_auth0_sms_enrollment_and_sign_in_through_the_gateway(delivering, gateway):
    number = new_phone()
    _auth0_flow(delivering.api(), lambda: gateway.code_sent_to(number), "sms", {"phone_number": number})


def test_auth0_email_enrollment_and_sign_in_through_smtp(delivering, smtp_peer):
    address = f"jo-{secrets.token_hex(4)}@example.com"
    _auth0_flow(delivering.api(), lambda: smtp_peer.code_sent_to(address), "email", {"email": address})
