"""Sent codes through the real providers, in process on both backends: the runtime's SMS goes
to the HTTP gateway (webhook), its calls to the gateway as Twilio, its email to aiosmtpd. The
code is read off the delivered message. A provider that is down, slow or failing is
CodeNotDelivered, leaves no challenge that can be answered, and can be retried at once (the
30-second interval is given back)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from twofold import authenticators
from twofold.authenticators.base import ACTIVE
from twofold.domain.errors import CodeNotDelivered, SendLimited
from twofold.services import factors, oob
from twofold.services.mfa import factor_views
from twofold.store.tables import audit_events, oob_challenges

from ..peers import Gateway, SmtpPeer
from .conftest import _runtime

NUMBER, ADDRESS = "+14155552671", "jo@example.com"
SID, TOKEN = "AC" + "2" * 32, "twilio-token-for-delivered-codes"


@pytest.fixture(scope="module")
def gateway():
    peer = Gateway(twilio_account=(SID, TOKEN)).start()
    yield peer
    peer.stop()


@pytest.fixture(scope="module")
def smtp_peer():
    peer = SmtpPeer().start()
    yield peer
    peer.stop()


@pytest.fixture(params=("sqlite", "postgresql"))
async def rt(request, tmp_path, pg_database_factory, gateway, smtp_peer):
    """Overrides the conftest's runtime (the `user` fixture builds on it): real providers."""
    runtime = await _runtime(
        request.param, tmp_path, pg_database_factory, sms_provider="webhook", sms_webhook_url=gateway.webhook_url,
        sms_webhook_secret="s3cret", voice_provider="twilio", twilio_api_url=gateway.url, twilio_account_sid=SID,
        twilio_auth_token=TOKEN, twilio_from="+14155550199", email_provider="smtp", smtp_host=smtp_peer.host,
        smtp_port=smtp_peer.port, smtp_tls="none", email_from="Acme <mfa@acme.example>", delivery_timeout=0.5)
    yield runtime
    await runtime.db.dispose()


async def _enroll(rt, user, type_: str):
    profile = {"email": ADDRESS} if type_ == "email" else {"phoneNumber": NUMBER}
    return await factors.enroll_factor(rt, user.id, authenticators.get(type_), "OKTA", profile)


async def _status(rt, user, factor_id: str) -> str:
    async with rt.db.transaction() as conn:
        return next(v.status for v in await factor_views(conn, user.id) if v.id == factor_id)


@pytest.mark.parametrize("type_,role", [("sms", "webhook"), ("call", "twilio-call"), ("email", "smtp")])
async def test_each_channel_delivers_through_its_provider_and_the_code_read_there_activates(
        rt, user, gateway, smtp_peer, type_, role):
    info = await _enroll(rt, user, type_)
    if role == "smtp":
        code = smtp_peer.code_sent_to(ADDRESS)
        assert smtp_peer.mail_to(ADDRESS).message["From"] == "Acme <mfa@acme.example>"
    else:
        assert gateway.sent_to(NUMBER)[-1].role == role
        code = gateway.code_sent_to(NUMBER)
    await factors.activate(rt, user.id, info.view.id, code)
    assert await _status(rt, user, info.view.id) == ACTIVE


@pytest.mark.parametrize("trouble", ["5xx", "slow", "down"])
async def test_an_undelivered_code_leaves_nothing_to_answer_and_a_retry_works_at_once(rt, user, gateway, trouble):
    info = await _enroll(rt, user, "sms")
    await factors.activate(rt, user.id, info.view.id, gateway.code_sent_to(NUMBER))
    rt.clock.advance(rt.settings.send_interval_seconds)
    async with rt.db.transaction() as conn:
        view = next(v for v in await factor_views(conn, user.id) if v.id == info.view.id)
    sent_before = len(gateway.received)
    with pytest.raises(CodeNotDelivered):
        if trouble == "down":
            with gateway.down():
                await oob.send_code(rt, view, txn_id="txn-1")
        else:
            with gateway.answering(status=502 if trouble == "5xx" else None, delay=1.5 if trouble == "slow" else 0):
                await oob.send_code(rt, view, txn_id="txn-1")
    assert len(gateway.received) == sent_before + (trouble != "down")  # the provider was called
    async with rt.db.transaction() as conn:
        left = (await conn.execute(select(oob_challenges).where(oob_challenges.c.txn_id == "txn-1"))).all()
        failure = (await conn.execute(select(audit_events.c.reason).where(
            audit_events.c.factor_id == view.id, audit_events.c.outcome == "FAILURE"))).scalars().all()
    assert left == [] and failure == ["not_delivered"]
    # At once, no interval to wait: the retry is delivered and its code is answerable.
    sent = await oob.send_code(rt, view, txn_id="txn-1")
    code = gateway.code_sent_to(NUMBER)
    async with rt.db.transaction() as conn:
        challenge = await oob.challenge_of(conn, rt, oob_code=sent.oob_code, txn_id="txn-1")
    assert challenge.used_at is None
    await factors.verify(rt, user.id, info.view.id, code, None)
    # The retry spent the interval as a delivered send does.
    with pytest.raises(SendLimited):
        await oob.send_code(rt, view, txn_id="txn-1")
