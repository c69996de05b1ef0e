"""Each delivery provider against its real peer (tests/peers.py): the webhook and Twilio against
the HTTP gateway, SMTP against aiosmtpd, in every TLS mode. The code is read off what arrived;
a peer that is down, slow or failing is DeliveryFailed, whose text carries no code, number or
secret; and the settings a provider needs are required (ProviderMissing)."""
from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from starlette.testclient import TestClient

from twofold.app import create_app
from twofold.config import Settings
from twofold.delivery import DeliveryFailed, Message
from twofold.delivery.messages import compose
from twofold.delivery.providers import ProviderMissing, build
from twofold.delivery.smtp import Smtp
from twofold.delivery.twilio import Twilio
from twofold.delivery.webhook import SIGNATURE_HEADER, Webhook

from ..peers import Gateway, SmtpPeer, code_in, free_port, self_signed_certificate

NUMBER = "+14155552671"
ADDRESS = "jo@example.com"
SID, TOKEN, SENDER = "AC" + "1" * 32, "twilio-auth-token-of-the-test", "+14155550199"
SECRET = "webhook-signing-secret"
TIMEOUT = 0.5


def _message(channel: str, to: str = NUMBER, code: str = "042917", issuer: str = "Acme <&> Co") -> Message:
    return compose(channel, to, code, issuer=issuer, minutes=5, expires_at=0)


@pytest.fixture(scope="module")
def gateway():
    peer = Gateway(twilio_account=(SID, TOKEN)).start()
    yield peer
    peer.stop()


@pytest.fixture
def smtp_peer():
    peer = SmtpPeer().start()
    yield peer
    peer.stop()


def _twilio(gateway: Gateway, token: str = TOKEN) -> Twilio:
    return Twilio(gateway.url, SID, token, SENDER, TIMEOUT)


def _leaks(failure: DeliveryFailed, *secrets: str) -> list[str]:
    text = str(failure) + repr(failure.__cause__) + repr(failure.__context__)
    return [s for s in secrets if s in text]


async def test_the_webhook_posts_the_message_signed_with_the_secret(gateway):
    await Webhook(gateway.webhook_url, SECRET, TIMEOUT).send(_message("sms"))
    got = gateway.sent_to(NUMBER)[-1]
    assert got.role == "webhook" and got.headers["content-type"] == "application/json"
    assert got.json() == {"channel": "sms", "to": NUMBER, "body": got.text}
    assert code_in(got.text) == "042917"
    expected = "sha256=" + hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers[SIGNATURE_HEADER.lower()], expected)
    # Without a secret, no signature header; a voice message is said digit by digit.
    await Webhook(gateway.webhook_url, None, TIMEOUT).send(_message("voice"))
    got = gateway.sent_to(NUMBER)[-1]
    assert SIGNATURE_HEADER.lower() not in got.headers and got.json()["channel"] == "voice"
    assert "0, 4, 2, 9, 1, 7" in got.text and code_in(got.text) == "042917"


async def test_twilio_sends_an_sms_as_a_message_resource_with_basic_auth(gateway):
    await _twilio(gateway).send(_message("sms"))
    got = gateway.sent_to(NUMBER)[-1]
    assert got.role == "twilio-sms" and got.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert got.headers["content-type"] == "application/x-www-form-urlencoded"
    assert got.basic_auth() == (SID, TOKEN)
    assert got.form() == {"To": NUMBER, "From": SENDER, "Body": got.text}
    assert code_in(got.text) == "042917"


async def test_twilio_places_a_call_that_says_the_code_in_escaped_twiml(gateway):
    await _twilio(gateway).send(_message("voice"))
    got = gateway.sent_to(NUMBER)[-1]
    assert got.role == "twilio-call" and got.path == f"/2010-04-01/Accounts/{SID}/Calls.json"
    assert got.basic_auth() == (SID, TOKEN)
    form = got.form()
    assert set(form) == {"To", "From", "Twiml"} and form["To"] == NUMBER and form["From"] == SENDER
    assert form["Twiml"].startswith("<Response><Say>") and "Acme &lt;&amp;&gt; Co" in form["Twiml"]
    assert "Acme <&> Co" in got.text and code_in(got.text) == "042917"


async def test_twilio_refusing_the_credentials_is_a_failure_that_names_no_secret(gateway):
    with pytest.raises(DeliveryFailed) as failed:
        await _twilio(gateway, token="a-wrong-token").send(_message("sms"))
    assert "401" in str(failed.value)
    assert _leaks(failed.value, "a-wrong-token", NUMBER, "042917") == []


@pytest.mark.parametrize("make", ["webhook", "twilio"])
@pytest.mark.parametrize("trouble", ["5xx", "slow", "drip", "down"])
async def test_a_gateway_that_fails_is_slow_or_down_is_a_delivery_failure(gateway, make, trouble):
    """`drip`: every byte of the answer comes within httpx's read timeout, the whole answer
    does not come within the delivery timeout."""
    provider = Webhook(gateway.webhook_url, SECRET, TIMEOUT) if make == "webhook" else _twilio(gateway)
    started = time.monotonic()
    with pytest.raises(DeliveryFailed) as failed:
        if trouble == "down":
            with gateway.down():
                await provider.send(_message("sms"))
        else:
            with gateway.answering(status=503 if trouble == "5xx" else None, delay=2.0 if trouble == "slow" else 0,
                                   drip=3.0 if trouble == "drip" else 0):
                await provider.send(_message("sms"))
    assert time.monotonic() - started < TIMEOUT + 1.0  # a slow peer is given up on at the timeout
    assert _leaks(failed.value, NUMBER, "042917", SECRET, TOKEN) == []
    assert ("503" in str(failed.value)) == (trouble == "5xx")
    # And after the trouble, the same provider delivers.
    await provider.send(_message("sms", code="777001"))
    assert gateway.code_sent_to(NUMBER) == "777001"


async def test_smtp_sends_a_text_and_an_html_part_from_the_configured_sender(smtp_peer):
    sender = "Acme Security <security@acme.example>"
    await Smtp(smtp_peer.host, smtp_peer.port, None, None, "none", sender, TIMEOUT).send(_message("email", ADDRESS))
    mail = smtp_peer.mail_to(ADDRESS)
    assert mail.mail_from == "security@acme.example" and mail.rcpt_tos == [ADDRESS]
    assert mail.message["From"] == sender and mail.message["To"] == ADDRESS
    assert mail.message["Subject"] == "Your Acme <&> Co verification code"
    assert mail.message.get_content_type() == "multipart/alternative"
    assert mail.message["Message-ID"].endswith("@acme.example>") and mail.message["Date"]
    assert code_in(mail.part("text/plain")) == "042917"
    html = mail.part("text/html")
    assert "042917" in html and "Acme &lt;&amp;&gt; Co" in html and "<p>" in html
    assert not mail.over_tls and mail.login is None


@pytest.mark.parametrize("tls", ["starttls", "tls"])
async def test_smtp_over_tls_verifies_the_server_and_signs_in(tmp_path, monkeypatch, tls):
    certificate = self_signed_certificate(tmp_path)
    peer = SmtpPeer(tls, certificate, credentials=("mailer", "mail-password")).start()
    try:
        untrusting = Smtp(peer.host, peer.port, "mailer", "mail-password", tls, "a@acme.example", TIMEOUT)
        with pytest.raises(DeliveryFailed) as failed:  # its certificate is not trusted yet
            await untrusting.send(_message("email", ADDRESS))
        assert _leaks(failed.value, "mail-password", ADDRESS, "042917") == []
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert_file))
        wrong = Smtp(peer.host, peer.port, "mailer", "not-the-password", tls, "a@acme.example", TIMEOUT)
        with pytest.raises(DeliveryFailed) as refused:
            await wrong.send(_message("email", ADDRESS))
        assert "535" in str(refused.value) and _leaks(refused.value, "not-the-password", ADDRESS) == []
        assert peer.mails == []
        await Smtp(peer.host, peer.port, "mailer", "mail-password", tls, "a@acme.example",
                   TIMEOUT).send(_message("email", ADDRESS))
        mail = peer.mail_to(ADDRESS)
        assert mail.over_tls and mail.login == "mailer" and code_in(mail.part("text/plain")) == "042917"
    finally:
        peer.stop()


async def test_smtp_down_or_silent_is_a_delivery_failure(tmp_path):
    down = Smtp("127.0.0.1", free_port(), None, None, "none", "a@acme.example", TIMEOUT)
    with pytest.raises(DeliveryFailed):
        await down.send(_message("email", ADDRESS))
    # A server that accepts the connection and never greets: given up on at the timeout.
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mute = Smtp("127.0.0.1", silent.getsockname()[1], None, None, "none", "a@acme.example", TIMEOUT)
        started = time.monotonic()
        with pytest.raises(DeliveryFailed) as failed:
            await mute.send(_message("email", ADDRESS))
        assert time.monotonic() - started < TIMEOUT + 1.0
    assert _leaks(failed.value, ADDRESS, "042917") == []


async def test_smtp_refusing_the_recipient_is_a_failure_that_does_not_quote_it(smtp_peer):
    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
            return f"550 5.1.1 <{address}>: no such user"

    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with pytest.raises(DeliveryFailed) as failed:
            await Smtp("127.0.0.1", port, None, None, "none", "a@acme.example", TIMEOUT).send(
                _message("email", ADDRESS))
    finally:
        controller.stop()
    assert "550" in str(failed.value) and _leaks(failed.value, ADDRESS) == []


@pytest.mark.parametrize("settings,missing", [
    ({"sms_provider": "webhook"}, "TWOFOLD_SMS_WEBHOOK_URL"),
    ({"sms_provider": "twilio", "twilio_account_sid": SID}, "TWOFOLD_TWILIO_AUTH_TOKEN and TWOFOLD_TWILIO_FROM"),
    ({"voice_provider": "twilio"}, "TWOFOLD_VOICE_PROVIDER=twilio needs TWOFOLD_TWILIO_ACCOUNT_SID"),
    ({"email_provider": "smtp"}, "TWOFOLD_SMTP_HOST"),
    ({"email_provider": "smtp", "smtp_host": "mail", "smtp_username": "u", "smtp_tls": "none"},
     "TWOFOLD_SMTP_TLS=starttls or tls"),
])
def test_a_provider_without_its_settings_is_refused_by_name(settings, missing):
    with pytest.raises(ProviderMissing) as refused:
        build(Settings(**settings), None, None)
    assert missing in str(refused.value)


def test_each_channel_gets_its_configured_provider():
    built = build(Settings(sms_provider="webhook", sms_webhook_url="http://gw.example/sms", voice_provider="twilio",
                           twilio_account_sid=SID, twilio_auth_token=TOKEN, twilio_from=SENDER,
                           email_provider="smtp", smtp_host="mail.example"), None, None)
    assert {c: p.name for c, p in built.items()} == {"sms": "webhook", "voice": "twilio", "email": "smtp"}
    assert build(Settings(), None, None)["voice"].name == "outbox"


def test_the_app_does_not_start_with_a_provider_missing_its_settings(tmp_path):
    front = create_app(Settings(data_dir=tmp_path, email_provider="smtp"))
    with pytest.raises(ProviderMissing, match="TWOFOLD_SMTP_HOST"):
        with TestClient(front):
            pass
