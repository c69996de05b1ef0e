"""Settling one TOTP attempt against an ACTIVE factor as a single atomic step: count the
attempt (R31), claim the step (R1, R2), reset the counter on success (R32), spend the MFA
transaction if there is one (R46), write the audit rows.

On PostgreSQL this is one call of the `twofold_settle_otp` function (migration 0003): one
round trip and one commit on the hot path. On SQLite the same statements run in one
BEGIN IMMEDIATE transaction."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import text

from . import audit as audit_store
from . import factors as factor_store
from . import tokens as token_store
from . import users as user_store
from .db import Database
from .rows import new_row_id


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


async def _settle_in(conn, a: OtpAttempt, detail: str) -> Settled:
    def event(event_type, outcome, reason=None, factor_id=None, detail_=detail):
        return audit_store.insert_event(
            conn, at=a.now, event_type=event_type, outcome=outcome, reason=reason, user_id=a.user_id,
            client_id=a.client_id, factor_id=factor_id, ip=a.ip, user_agent=a.user_agent, detail=detail_)

    if a.txn_id is not None and await user_store.status_of(conn, a.user_id) != "ACTIVE":
        return Settled("gone", 0, 0)  # deactivated or suspended since the read: no sign-in finishes
    attempt = await user_store.reserve_mfa_attempt(conn, a.user_id, a.now, a.max_failures, a.cooldown_ms)
    if attempt is None:
        last = await user_store.mfa_last_attempt(conn, a.user_id)
        if last is False:
            return Settled("gone", 0, 0)
        await event("mfa.verify", "DENY", "locked_out")
        return Settled("locked", 0, (last or 0) + a.cooldown_ms)
    replayed = a.replayed
    if a.step is not None:
        if await factor_store.claim_active_step(conn, a.user_id, a.factor_id, a.step, a.now):
            await user_store.reset_mfa_failures(conn, a.user_id)
            await event("mfa.verify", "SUCCESS", factor_id=a.factor_id)
            if a.txn_id is not None and not await token_store.consume_mfa_transaction(conn, a.txn_id, a.now):
                return Settled("txn_spent", attempt, 0)
            if a.success_event is not None:
                await event(a.success_event, "SUCCESS", detail_=a.success_detail)
            return Settled("ok", attempt, 0)
        replayed = True  # a parallel twin claimed this step first
    await event("mfa.verify", "FAILURE", "replayed" if replayed else "invalid_code",
                a.factor_id if replayed else None)
    if attempt >= a.max_failures:
        await event("user.mfa.lockout", "DENY", detail_=json.dumps({"failures": attempt}))
    return Settled("replayed" if replayed else "invalid", attempt, 0)
