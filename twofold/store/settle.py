"""Settling one TOTP attempt against an ACTIVE factor as a single atomic step: count the
attempt (R31), claim the step (R1, R2), reset the counter on success (R32), spend the MFA
transaction if there is one (R46), write the audit rows.

The rules are written once, in `sql/twofold_settle_otp.sql`: on PostgreSQL that file is the
stored function migrations install, and settling is one call of it (one round trip, one
commit on the hot path). SQLite has no stored functions, so `_settle_in` below transcribes the
same function statement for statement, in one BEGIN IMMEDIATE transaction (which serialises
writers as the function's row lock does); tests/service/test_settle.py runs one table of
scenarios on both backends and checks that they decide alike."""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import bindparam, select, text, update

from . import audit as audit_store
from . import factors as factor_store
from . import tokens as token_store
from .db import Database
from .rows import new_row_id
from .tables import users

FUNCTION_FILE = "sql/twofold_settle_otp.sql"


def function_source() -> str:
    """The full current text of `twofold_settle_otp` (CREATE OR REPLACE), which migrations install."""
    return resources.files(__package__).joinpath(FUNCTION_FILE).read_text(encoding="utf-8")


@dataclass(frozen=True)
class OtpAttempt:
    user_id: str
    factor_id: str
    step: int | None  # the step the code matched, unclaimed when read; None: no match
    replayed: bool  # the code matched a step already used
    txn_id: str | None  # the MFA transaction to spend on success
    now: int
    max_failures: int
    cooldown_ms: int
    kind: str
    client_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    # An event to write with a success, in the same commit (the token endpoint's token.issue).
    success_event: str | None = None
    success_detail: str | None = None


@dataclass(frozen=True)
class Settled:
    outcome: str  # ok | invalid | replayed | locked | txn_spent | gone
    attempt: int
    retry_at: int  # when a locked user may try again (ms)


_FUNCTION = text(
    "SELECT outcome, attempt, retry_at FROM twofold_settle_otp(:user_id, :factor_id, :step, :replayed, :txn_id, "
    ":now, :max_failures, :cooldown_ms, :event_id, :extra_event_id, :client_id, :ip, :user_agent, :detail, "
    ":success_event, :success_detail)"
)


async def settle_otp(db: Database, a: OtpAttempt) -> Settled:
    detail = json.dumps({"kind": a.kind})
    if not db.sqlite:
        row = (await db.run(_FUNCTION, {
            "user_id": a.user_id, "factor_id": a.factor_id, "step": a.step, "replayed": a.replayed,
            "txn_id": a.txn_id, "now": a.now, "max_failures": a.max_failures, "cooldown_ms": a.cooldown_ms,
            "event_id": new_row_id(), "extra_event_id": new_row_id(), "client_id": a.client_id,
            "ip": a.ip, "user_agent": a.user_agent, "detail": detail, "success_event": a.success_event,
            "success_detail": a.success_detail,
        }))[0]
        return Settled(row.outcome, row.attempt, row.retry_at)
    async with db.transaction() as conn:
        return await _settle_in(conn, a, detail)


# The function's statements on users (the factor claim and the transaction spend are the store's
# own, which carry the same conditions). Built once: the hot path compiles nothing.
_COUNTER = select(users.c.mfa_failures, users.c.mfa_last_attempt_at, users.c.status).where(
    users.c.id == bindparam("user_id"))
_SET_COUNTER = update(users).where(users.c.id == bindparam("user_id")).values(
    mfa_failures=bindparam("failures"), mfa_last_attempt_at=bindparam("now"))


async def _settle_in(conn, a: OtpAttempt, detail: str) -> Settled:
    """twofold_settle_otp, step by step, with its variable names; keep the two in step."""
    def event(event_type, outcome, reason=None, factor_id=None, detail_=detail):
        return audit_store.insert_event(
            conn, at=a.now, event_type=event_type, outcome=outcome, reason=reason, user_id=a.user_id,
            client_id=a.client_id, factor_id=factor_id, ip=a.ip, user_agent=a.user_agent, detail=detail_)

    async def set_counter(failures: int) -> None:
        await conn.execute(_SET_COUNTER, {"user_id": a.user_id, "failures": failures, "now": a.now})

    user = (await conn.execute(_COUNTER, {"user_id": a.user_id})).first()
    if user is None or (a.txn_id is not None and user.status != "ACTIVE"):
        return Settled("gone", 0, 0)  # with a transaction: deactivated or suspended since the read
    stored, last = user.mfa_failures, user.mfa_last_attempt_at
    failures = stored
    if failures >= a.max_failures:
        if last is not None and last > a.now - a.cooldown_ms:
            await event("mfa.verify", "DENY", "locked_out")
            return Settled("locked", 0, last + a.cooldown_ms)
        failures = 0  # the cooldown has passed: counting starts again
    attempt = failures + 1  # this attempt, counted before the code is judged

    replayed = a.replayed
    if a.step is not None:
        if await factor_store.claim_active_step(conn, a.user_id, a.factor_id, a.step, a.now):
            if stored != 0:
                await set_counter(0)
            await event("mfa.verify", "SUCCESS", factor_id=a.factor_id)
            if a.txn_id is not None and not await token_store.consume_mfa_transaction(conn, a.txn_id, a.now):
                return Settled("txn_spent", attempt, 0)
            if a.success_event is not None:
                await event(a.success_event, "SUCCESS", detail_=a.success_detail)
            return Settled("ok", attempt, 0)
        replayed = True  # a parallel twin claimed this step first

    await set_counter(attempt)
    await event("mfa.verify", "FAILURE", "replayed" if replayed else "invalid_code",
                a.factor_id if replayed else None)
    if attempt >= a.max_failures:
        await event("user.mfa.lockout", "DENY", detail_=json.dumps({"failures": attempt}))
    return Settled("replayed" if replayed else "invalid", attempt, 0)
