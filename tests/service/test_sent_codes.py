"""Codes sent by SMS, voice and email (services.oob, authenticators.sent_code), in process on
both backends with the development outbox as the phone: a code is read from the delivered
message, as a person would read it. R20 (expiry), R21 (bound to its challenge), R22 (six random
digits), R23 (a resend does not reset the failure count), R24 (stored hashed), R27 (send
budgets: a refused send calls no provider), R1 (single use under parallel submission)."""
from __future__ import annotations

import asyncio
import json
import re

import pytest
from sqlalchemy import select

from twofold import authenticators
from twofold.authenticators.base import ACTIVE, Answer
from twofold.delivery import DeliveryFailed
from twofold.delivery.outbox import messages
from twofold.domain.errors import (
    ChallengeExpired, CodeNotDelivered, InvalidSentCode, SendLimited, TooManyAttempts, UnknownChallenge,
    ValidationFailed,
)
from twofold.services import factors, oob
from twofold.services.mfa import factor_views
from twofold.services.verify import check
from twofold.store.tables import audit_events, oob_challenges, users

NUMBER = "+14155552671"


async def _code(rt, to: str = NUMBER) -> str:
    """The code of the newest message to `to`, read off its text (a voice says it digit by digit)."""
    found = await messages(rt.db, rt.now_ms(), recipient=to, limit=1)
    assert found, f"no message to {to}"
    return re.sub(r"\D", "", re.search(r"code is ([\d, ]+)", found[0].body).group(1))


async def _enroll(rt, user, type_: str = "sms", profile=None):
    kind = authenticators.get(type_)
    field = "email" if type_ == "email" else "phoneNumber"
    return await factors.enroll_factor(rt, user.id, kind, "OKTA", profile or {field: NUMBER if field != "email"
                                                                                else "jo@example.com"})


async def _active_sms(rt, user):
    info = await _enroll(rt, user)
    await factors.activate(rt, user.id, info.view.id, await _code(rt))
    rt.clock.advance(rt.settings.send_interval_seconds)
    return info.view.id


async def test_enrolling_sends_a_code_whose_first_use_activates_the_factor(rt, user):
    info = await _enroll(rt, user)
    assert info.view.status != ACTIVE
    code = await _code(rt)
    activated = await factors.activate(rt, user.id, info.view.id, code)
    assert activated.view.status == ACTIVE
    # The message's code is not what is stored (R24), and no audit row carries it.
    async with rt.db.transaction() as conn:
        stored = (await conn.execute(select(oob_challenges.c.code_hash))).scalars().all()
        details = " ".join(str(r) for r in (await conn.execute(select(audit_events))).all())
    assert stored and all(code.encode() not in h for h in stored) and code not in details


@pytest.mark.parametrize("type_,profile,to", [("call", {"phoneNumber": "415-555-2671"}, NUMBER),
                                              ("email", {"email": "jo@example.com"}, "jo@example.com")])
async def test_voice_and_email_deliver_through_their_channel(rt, user, type_, profile, to):
    info = await _enroll(rt, user, type_, profile)
    found = (await messages(rt.db, rt.now_ms(), recipient=to))[0]
    assert found.channel == authenticators.get(type_).channel
    assert (found.subject is not None) == (type_ == "email")
    await factors.activate(rt, user.id, info.view.id, await _code(rt, to))
    assert [v.status for v in await _views(rt, user) if v.type == type_] == [ACTIVE]


async def _views(rt, user):
    async with rt.db.transaction() as conn:
        return await factor_views(conn, user.id)


@pytest.mark.parametrize("number", ["+19005550100", "+1 555 415 1337", "12", "not a number"])
async def test_costly_invalid_and_unassignable_numbers_are_refused_at_enrollment(rt, user, number):
    with pytest.raises(ValidationFailed):
        await _enroll(rt, user, "sms", {"phoneNumber": number})
    assert await messages(rt.db, rt.now_ms()) == []


async def test_a_used_code_is_a_replay_and_a_wrong_one_is_refused(rt, user):
    factor_id = await _active_sms(rt, user)
    await factors.send_code(rt, user.id, factor_id, pending=False)
    code = await _code(rt)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(InvalidSentCode) as refused:
        await factors.verify(rt, user.id, factor_id, wrong, None)
    assert not refused.value.replayed
    await factors.verify(rt, user.id, factor_id, code, None)
    with pytest.raises(InvalidSentCode) as replayed:
        await factors.verify(rt, user.id, factor_id, code, None)
    assert replayed.value.replayed


async def test_a_new_code_supersedes_the_last_and_an_old_code_expires(rt, user):
    """R20: a code lives oob_code_ttl; Okta's Factors API answers against the last code sent."""
    factor_id = await _active_sms(rt, user)
    await factors.send_code(rt, user.id, factor_id, pending=False)
    first = await _code(rt)
    rt.clock.advance(rt.settings.send_interval_seconds)
    await factors.send_code(rt, user.id, factor_id, pending=False)
    second = await _code(rt)
    if first != second:
        with pytest.raises(InvalidSentCode):
            await factors.verify(rt, user.id, factor_id, first, None)
    rt.clock.advance(rt.settings.oob_code_ttl)
    with pytest.raises(ChallengeExpired):
        await factors.verify(rt, user.id, factor_id, second, None)


async def test_a_code_answers_only_the_challenge_that_sent_it(rt, user):
    """R21: the code of challenge A, given with challenge B's oob_code (same user), is refused."""
    factor_id = await _active_sms(rt, user)
    view = next(v for v in await _views(rt, user) if v.id == factor_id)
    sent_a = await oob.send_code(rt, view, txn_id="txn-a")
    code_a = await _code(rt)
    rt.clock.advance(rt.settings.send_interval_seconds)
    sent_b = await oob.send_code(rt, view, txn_id="txn-b")
    async with rt.db.transaction() as conn:
        challenge_b = await oob.challenge_of(conn, rt, oob_code=sent_b.oob_code, txn_id="txn-b")
        with pytest.raises(UnknownChallenge):  # A's oob_code under B's transaction
            await oob.challenge_of(conn, rt, oob_code=sent_a.oob_code, txn_id="txn-b")
    result = await check(rt, user.id, code_a, answer=Answer.SENT_CODE, factor_id=factor_id, statuses=(ACTIVE,),
                         challenge=challenge_b)
    assert isinstance(result.error, InvalidSentCode)


async def test_parallel_submissions_of_one_code_succeed_once(rt, user):
    """R1: twenty identical answers at once: one success, nineteen replays (each counted, so
    the lockout limit is raised out of their way)."""
    rt.settings.mfa_max_failures = 100
    factor_id = await _active_sms(rt, user)
    await factors.send_code(rt, user.id, factor_id, pending=False)
    code = await _code(rt)
    outcomes = await asyncio.gather(*(factors.verify(rt, user.id, factor_id, code, None) for _ in range(20)),
                                    return_exceptions=True)
    assert sum(o is None for o in outcomes) == 1
    assert all(isinstance(o, InvalidSentCode) and o.replayed for o in outcomes if o is not None)


async def test_failures_count_on_the_one_counter_and_a_resend_does_not_reset_it(rt, user):
    """R23: failures, a new code, more failures: the lockout comes at the limit all the same."""
    factor_id = await _active_sms(rt, user)
    limit = rt.settings.mfa_max_failures
    await factors.send_code(rt, user.id, factor_id, pending=False)
    code = await _code(rt)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(limit // 2):
        with pytest.raises(InvalidSentCode):
            await factors.verify(rt, user.id, factor_id, wrong, None)
    rt.clock.advance(rt.settings.send_interval_seconds)
    await factors.send_code(rt, user.id, factor_id, pending=False)
    code = await _code(rt)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(limit - limit // 2):
        with pytest.raises(InvalidSentCode):
            await factors.verify(rt, user.id, factor_id, wrong, None)
    with pytest.raises(TooManyAttempts):
        await factors.verify(rt, user.id, factor_id, code, None)


async def test_the_factors_api_settles_a_sent_code_in_one_step_with_the_transactional_paths_rows(rt, user):
    """Okta's verify with a sent code takes the hot path (one read, one settle call: the stored
    function on PostgreSQL, store/settle.py's steps on SQLite): its audit rows and counter are
    the ones the transactional path writes: each failure names the factor it answered, a
    replay is a replay (R10), a success resets the counter (R32)."""
    factor_id = await _active_sms(rt, user)
    await factors.send_code(rt, user.id, factor_id, pending=False)
    code = await _code(rt)
    since = rt.now_ms()
    with pytest.raises(InvalidSentCode):
        await factors.verify(rt, user.id, factor_id, f"{(int(code) + 1) % 1_000_000:06d}", None)
    async with rt.db.transaction() as conn:
        failures = (await conn.execute(select(users.c.mfa_failures).where(users.c.id == user.id))).scalar_one()
    assert failures == 1
    await factors.verify(rt, user.id, factor_id, code, None)
    with pytest.raises(InvalidSentCode):
        await factors.verify(rt, user.id, factor_id, code, None)
    async with rt.db.transaction() as conn:
        rows = (await conn.execute(select(audit_events.c.outcome, audit_events.c.reason, audit_events.c.factor_id,
                                          audit_events.c.detail)
                                   .where(audit_events.c.event_type == "mfa.verify", audit_events.c.at >= since)
                                   .order_by(audit_events.c.at, audit_events.c.id))).all()
        failures = (await conn.execute(select(users.c.mfa_failures).where(users.c.id == user.id))).scalar_one()
    kind = json.dumps({"kind": authenticators.get("sms").attempt_kind})
    assert [tuple(r) for r in rows] == [("FAILURE", "invalid_code", factor_id, kind), ("SUCCESS", None, factor_id, kind),
                                        ("FAILURE", "replayed", factor_id, kind)]
    assert failures == 1  # reset by the success, then the replay counted


async def test_a_factor_deleted_while_its_code_is_being_sent_is_no_server_error(rt, user):
    """The send reads the factor outside a transaction: one deleted before the challenge row
    is written is UnknownChallenge (a foreign key refused it), never an IntegrityError."""
    factor_id = await _active_sms(rt, user)
    view = next(v for v in await _views(rt, user) if v.id == factor_id)
    await factors.delete(rt, user.id, factor_id)
    with pytest.raises(UnknownChallenge):
        await oob.send_code(rt, view)


async def test_one_code_per_number_per_interval_and_a_refused_send_calls_no_provider(rt, user):
    """R27 and Okta's rule: a second send within 30 s is refused before any provider call."""
    factor_id = await _active_sms(rt, user)
    await factors.send_code(rt, user.id, factor_id, pending=False)
    before = len(await messages(rt.db, rt.now_ms()))
    with pytest.raises(SendLimited) as refused:
        await factors.send_code(rt, user.id, factor_id, pending=False)
    assert refused.value.rule == "interval" and refused.value.retry_after >= 1
    assert len(await messages(rt.db, rt.now_ms())) == before


async def test_the_per_user_budget_caps_sends_whatever_the_interval(rt, user):
    rt.settings.send_max_per_user = 3
    factor_id = await _active_sms(rt, user)  # its enrollment code was the first send
    for _ in range(2):
        await factors.send_code(rt, user.id, factor_id, pending=False)
        rt.clock.advance(rt.settings.send_interval_seconds)
    with pytest.raises(SendLimited) as refused:
        await factors.send_code(rt, user.id, factor_id, pending=False)
    assert refused.value.rule == "user"
    rt.clock.advance(rt.settings.send_window_seconds)
    await factors.send_code(rt, user.id, factor_id, pending=False)


class _Down:
    name = "down"

    def __init__(self) -> None:
        self.calls = 0

    async def send(self, message) -> None:
        self.calls += 1
        raise DeliveryFailed("gateway: HTTP 502")


async def test_a_failed_delivery_leaves_nothing_to_answer_and_can_be_retried_at_once(rt, user):
    factor_id = await _active_sms(rt, user)
    working = rt.provider("sms")
    down = _Down()
    rt._providers["sms"] = down
    try:
        with pytest.raises(CodeNotDelivered):
            await factors.send_code(rt, user.id, factor_id, pending=False)
    finally:
        rt._providers["sms"] = working
    assert down.calls == 1
    async with rt.db.transaction() as conn:
        live = (await conn.execute(select(oob_challenges).where(oob_challenges.c.factor_id == factor_id,
                                                                oob_challenges.c.used_at.is_(None)))).all()
    assert all(r.expires_at <= rt.now_ms() for r in live)  # none from the failed send
    await factors.send_code(rt, user.id, factor_id, pending=False)  # no 30 s wait after a failure
    await factors.verify(rt, user.id, factor_id, await _code(rt), None)
