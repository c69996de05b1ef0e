"""The one-step settlement of a TOTP attempt (store/settle.py): the PL/pgSQL function on
PostgreSQL and the BEGIN IMMEDIATE statements on SQLite must decide alike: count before the
verdict (R31), claim a step once and never an earlier one (R1, R2), reset on success (R32),
spend the MFA transaction with the success only (R46), audit every outcome (R68)."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from twofold.domain import ids
from twofold.store import audit as audit_store
from twofold.store import factors as factor_store
from twofold.store.settle import OtpAttempt, settle_otp
from twofold.store.tables import mfa_transactions, users

MAX, COOLDOWN = 3, 60_000


@pytest.fixture
async def factor(rt, user):
    from twofold.authenticators import get
    from twofold.authenticators.base import EnrollRequest

    enrollment = get("totp").enroll(rt.sealer, EnrollRequest(user_id=user.id, login=user.login, provider="GOOGLE",
                                                             now=rt.now_ms(), activation_expires_at=rt.now_ms()))
    async with rt.db.transaction() as conn:
        await factor_store.insert_factor(conn, **{**enrollment.values, "status": "ACTIVE", "last_used_step": 100})
    return enrollment.values["id"]


def _attempt(user, factor, step, *, now, replayed=False, txn_id=None, **extra) -> OtpAttempt:
    return OtpAttempt(user_id=user.id, factor_id=factor, step=step, replayed=replayed, txn_id=txn_id, now=now,
                      max_failures=MAX, cooldown_ms=COOLDOWN, kind="otp", client_id="c", ip="127.0.0.1",
                      user_agent="test", **extra)


async def _mfa_transaction(rt, client, user, now: int) -> str:
    """An unspent MFA transaction of ten minutes, as the password step leaves it."""
    txn_id = ids.opaque_token(16)[:22]
    async with rt.db.transaction() as conn:
        await conn.execute(mfa_transactions.insert().values(
            id=txn_id, token_hash=ids.token_hash("t" + txn_id), client_id=client.client_id, user_id=user.id,
            audience=None, scope="openid", amr="pwd", auth_time=now, server_id=None, created_at=now,
            expires_at=now + 600_000))
    return txn_id


async def _failures(rt, user) -> int:
    async with rt.db.transaction() as conn:
        return (await conn.execute(select(users.c.mfa_failures).where(users.c.id == user.id))).scalar_one()


async def _events(rt, user) -> list[tuple[str, str, str | None]]:
    async with rt.db.transaction() as conn:
        return [(e.event_type, e.outcome, e.reason) for e in await audit_store.events_for_user(conn, user.id)]


async def test_claims_a_later_step_once_and_never_an_earlier_one(rt, user, factor):
    now = rt.now_ms()
    assert (await settle_otp(rt.db, _attempt(user, factor, 101, now=now))).outcome == "ok"
    assert (await settle_otp(rt.db, _attempt(user, factor, 101, now=now))).outcome == "replayed"
    assert (await settle_otp(rt.db, _attempt(user, factor, 100, now=now))).outcome == "replayed"
    assert (await settle_otp(rt.db, _attempt(user, factor, 102, now=now))).outcome == "ok"
    assert await _failures(rt, user) == 0  # the success after the replays reset the counter
    verifications = sorted(e for e in await _events(rt, user) if e[0] == "mfa.verify")
    assert verifications == [("mfa.verify", "FAILURE", "replayed")] * 2 + [("mfa.verify", "SUCCESS", None)] * 2


async def test_counts_before_the_verdict_and_locks_until_the_cooldown(rt, user, factor):
    now = rt.now_ms()
    outcomes = [(await settle_otp(rt.db, _attempt(user, factor, None, now=now))) for _ in range(MAX)]
    assert [(o.outcome, o.attempt) for o in outcomes] == [("invalid", 1), ("invalid", 2), ("invalid", 3)]
    locked = await settle_otp(rt.db, _attempt(user, factor, 101, now=now + 1000))  # right code, still refused
    assert locked.outcome == "locked" and locked.retry_at == now + COOLDOWN
    assert (await settle_otp(rt.db, _attempt(user, factor, 101, now=now + COOLDOWN))).outcome == "ok"
    assert await _failures(rt, user) == 0
    events = await _events(rt, user)
    assert ("user.mfa.lockout", "DENY", None) in events and ("mfa.verify", "DENY", "locked_out") in events


async def test_spends_the_mfa_transaction_with_the_success_only(rt, client, user, factor):
    now = rt.now_ms()
    txn_id = await _mfa_transaction(rt, client, user, now)
    issue = {"success_event": "token.issue", "success_detail": '{"amr": ["pwd", "otp"]}'}
    assert (await settle_otp(rt.db, _attempt(user, factor, None, now=now, txn_id=txn_id, **issue))).outcome == "invalid"
    assert (await settle_otp(rt.db, _attempt(user, factor, 101, now=now, txn_id=txn_id, **issue))).outcome == "ok"
    # The transaction is spent: a later valid code is still claimed, but the grant fails.
    assert (await settle_otp(rt.db, _attempt(user, factor, 102, now=now, txn_id=txn_id, **issue))).outcome == "txn_spent"
    events = await _events(rt, user)
    assert events.count(("token.issue", "SUCCESS", None)) == 1


async def test_a_vanished_user_is_gone(rt, user, factor):
    async with rt.db.transaction() as conn:
        await conn.execute(text("DELETE FROM users WHERE id = :u"), {"u": user.id})
    assert (await settle_otp(rt.db, _attempt(user, factor, 101, now=rt.now_ms()))).outcome == "gone"


async def test_atomic_rolls_back_and_held_keeps_one_connection(rt, user):
    from twofold.store import throttle

    with pytest.raises(RuntimeError):
        async with rt.db.atomic():
            assert await throttle.reserve_now(rt.db, "k-rollback", rt.now_ms(), 5, 1000)
            raise RuntimeError("abort")
    # Rolled back: the counter starts again at the first attempt.
    async with rt.db.transaction() as conn:
        rows = (await conn.execute(text("SELECT failures FROM password_throttle WHERE key = 'k-rollback'"))).all()
    assert rows == []
    if not rt.db.sqlite:
        pid = text("SELECT pg_backend_pid() AS pid")
        async with rt.db.held():
            first, second = (await rt.db.run(pid))[0].pid, (await rt.db.run(pid))[0].pid
        assert first == second


async def test_a_sign_in_does_not_finish_for_a_user_suspended_since_the_read(rt, client, user, factor):
    """The hot path reads the user, then settles: a user suspended in between gets no tokens
    (the transaction stays unspent, the step unclaimed); a plain verification is unaffected."""
    from twofold.services import user_lifecycle

    now = rt.now_ms()
    txn_id = await _mfa_transaction(rt, client, user, now)
    await user_lifecycle.suspend(rt, user.id)
    assert (await settle_otp(rt.db, _attempt(user, factor, 101, now=now, txn_id=txn_id))).outcome == "gone"
    async with rt.db.transaction() as conn:
        spent = (await conn.execute(select(mfa_transactions.c.consumed_at)
                                    .where(mfa_transactions.c.id == txn_id))).scalar_one()
    assert spent is None
    assert (await settle_otp(rt.db, _attempt(user, factor, 101, now=now))).outcome == "ok"
