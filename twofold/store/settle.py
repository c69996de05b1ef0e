"""The settle rules, defined once: count an attempt before its verdict (R31), refuse a locked
user, reset the counter on success (R32), and the audit rows of each outcome (R68). Every
second-factor check applies them through this module, on the counter it spends (store.users
.COUNTERS: `mfa`, or the Okta OTP grant's `otp_grant`): `count_attempt`, then `succeeded` or
`failed` (and `hold`, when the verdict comes in a later transaction).

`settle_otp` is the hot path's whole settle as one call: count, claim the step (R1, R2) or spend
the challenge a sent code matched (R1, R20), reset,
spend the MFA transaction if there is one (R46), audit. On PostgreSQL it is the stored function
of `sql/twofold_settle_otp.sql` (its full text; migrations install it): one round trip, one
commit, its statements the same steps as below. SQLite has no stored functions, so
`_settle_in` composes the same steps from this module's statements, in one BEGIN IMMEDIATE
transaction (which serialises writers as the function's row lock does).
tests/service/test_settle.py plays one table of scenarios on both backends, through the hot
path and through services.verify's transactional path, and checks that all decide alike.

The metrics' verification and lockout counters (observe.metrics) are counted here too, where
each outcome is decided: once per attempt, whichever path and backend settled it."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib import resources

from sqlalchemy import bindparam, select, text, update

from ..observe import metrics
from . import audit as audit_store
from . import factors as factor_store
from . import oob as oob_store
from . import tokens as token_store
from .db import Database
from .rows import new_row_id
from .tables import users
from .users import COUNTERS

FUNCTION_FILE = "sql/twofold_settle_otp.sql"


def function_source() -> str:
    """The full current text of `twofold_settle_otp` (CREATE OR REPLACE), which migrations install."""
    return resources.files(__package__).joinpath(FUNCTION_FILE).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Attempt:
    """One attempt on a user's counter: whose, when, under which limits, and what its audit
    rows carry."""

    user_id: str | None  # None: an attempt for no user (audited, never counted)
    now: int
    max_failures: int
    cooldown_ms: int
    kind: str  # the factor type's attempt kind
    counter: str = "mfa"  # store.users.COUNTERS
    client_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    actor: str | None = None  # the administrator acting in the Admin Console

    def _detail(self, first: dict) -> str:
        more = {**({"counter": self.counter} if self.counter != "mfa" else {}),
                **({"actor": self.actor} if self.actor else {})}
        return json.dumps({**first, **more})

    def detail(self) -> str:
        """The mfa.verify rows' detail (twofold_settle_otp's p_detail)."""
        return self._detail({"kind": self.kind})

    def lockout_detail(self, failures: int) -> str:
        """The user.mfa.lockout row's detail: the kind of the attempt that reached the limit
        first, as twofold_settle_otp writes it (the same text on both backends)."""
        return self._detail({"kind": self.kind, "failures": failures})


@dataclass(frozen=True)
class Counted:
    outcome: str  # counted | locked | gone (no such user; with active_only, none ACTIVE)
    attempt: int = 0  # this attempt's number, counted before the verdict
    stored: int = 0  # the counter as read (as written, once held)
    retry_at: int = 0  # when a locked user may try again (ms)
    held: bool = False  # the count is written already


# Built once per counter: the hot path compiles nothing. FOR UPDATE: the row lock serialises
# every attempt of one user until the commit (SQLite's BEGIN IMMEDIATE does it there).
_READ = {name: select(failures, last, users.c.status).where(users.c.id == bindparam("user_id")).with_for_update()
         for name, (failures, last) in COUNTERS.items()}
_WRITE = {name: update(users).where(users.c.id == bindparam("user_id")).values(
    {failures: bindparam("failures"), last: bindparam("now")}) for name, (failures, last) in COUNTERS.items()}


async def _event(conn, a: Attempt, event_type: str, outcome: str, detail: str | None, reason: str | None = None,
                 factor_id: str | None = None) -> None:
    await audit_store.insert_event(
        conn, at=a.now, event_type=event_type, outcome=outcome, reason=reason, user_id=a.user_id,
        client_id=a.client_id, factor_id=factor_id, ip=a.ip, user_agent=a.user_agent, detail=detail)


async def _write(conn, a: Attempt, failures: int) -> None:
    await conn.execute(_WRITE[a.counter], {"user_id": a.user_id, "failures": failures, "now": a.now})


async def count_attempt(conn, a: Attempt, *, active_only: bool = False) -> Counted:
    """Lock the user's row and count this attempt before its verdict (R31): a user at the
    limit whose last counted attempt is younger than the cooldown is refused (and audited);
    after the cooldown counting starts again. Nothing is written unless refused: the verdict
    writes the count with its outcome, in the same transaction (or `hold` writes it first)."""
    user = (await conn.execute(_READ[a.counter], {"user_id": a.user_id})).first()
    if user is None or (active_only and user.status != "ACTIVE"):
        return Counted("gone")
    stored, last = user[0], user[1]
    failures = stored
    if failures >= a.max_failures:
        if last is not None and last > a.now - a.cooldown_ms:
            await _event(conn, a, "mfa.verify", "DENY", a.detail(), "locked_out")
            metrics.verification(a.kind, "locked")
            return Counted("locked", retry_at=last + a.cooldown_ms)
        failures = 0  # the cooldown has passed: counting starts again
    return Counted("counted", failures + 1, stored)


async def hold(conn, a: Attempt, counted: Counted) -> Counted:
    """Write the count now, for a verdict that a later transaction records (an argon2id check
    runs between the two): parallel guesses each count while the first is being judged."""
    await _write(conn, a, counted.attempt)
    return replace(counted, stored=counted.attempt, held=True)


async def succeeded(conn, a: Attempt, counted: Counted, factor_id: str) -> None:
    """Reset the counter (R32; only when it was not zero already: the common case writes no
    user row) and audit the success."""
    if counted.stored != 0:
        await _write(conn, a, 0)
    await _event(conn, a, "mfa.verify", "SUCCESS", a.detail(), factor_id=factor_id)
    metrics.verification(a.kind, "success")


async def failed(conn, a: Attempt, counted: Counted, reason: str, factor_id: str | None = None) -> None:
    """Write the count (unless held) and audit the failure; the attempt that reaches the limit
    also writes the lockout row."""
    if counted.outcome == "counted" and not counted.held:
        await _write(conn, a, counted.attempt)
    await _event(conn, a, "mfa.verify", "FAILURE", a.detail(), reason, factor_id)
    metrics.verification(a.kind, "replay" if reason == "replayed" else "wrong_code")
    if counted.attempt >= a.max_failures:
        await _event(conn, a, "user.mfa.lockout", "DENY", a.lockout_detail(counted.attempt))
        metrics.lockout(a.counter)


# --- the hot path: one TOTP attempt against an ACTIVE factor, settled in one call ----------------

@dataclass(frozen=True)
class OtpAttempt:
    attempt: Attempt  # on the `mfa` counter: the stored function's
    factor_id: str
    step: int | None  # the step the code matched, unclaimed when read; None: no match
    replayed: bool  # the code matched a step already used
    txn_id: str | None  # the MFA transaction to spend on success
    # An event to write with a success, in the same commit (the token endpoint's token.issue).
    success_event: str | None = None
    success_detail: str | None = None
    # A code sent by SMS, voice or email: the challenge it matched (spent instead of a step
    # claimed; `step` is None), and its failures name the factor it answers.
    challenge_id: str | None = None
    names_factor: bool = False


@dataclass(frozen=True)
class Settled:
    outcome: str  # ok | invalid | replayed | locked | txn_spent | gone
    attempt: int
    retry_at: int  # when a locked user may try again (ms)


_FUNCTION = text(
    "SELECT outcome, attempt, retry_at FROM twofold_settle_otp(:user_id, :factor_id, :step, :replayed, :txn_id, "
    ":now, :max_failures, :cooldown_ms, :event_id, :extra_event_id, :client_id, :ip, :user_agent, :detail, "
    ":success_event, :success_detail, :challenge_id, :names_factor)"
)


async def settle_otp(db: Database, o: OtpAttempt) -> Settled:
    a = o.attempt
    assert a.counter == "mfa" and a.actor is None, "the stored function settles the mfa counter"
    if not db.sqlite:
        row = (await db.run(_FUNCTION, {
            "user_id": a.user_id, "factor_id": o.factor_id, "step": o.step, "replayed": o.replayed,
            "txn_id": o.txn_id, "now": a.now, "max_failures": a.max_failures, "cooldown_ms": a.cooldown_ms,
            "event_id": new_row_id(), "extra_event_id": new_row_id(), "client_id": a.client_id,
            "ip": a.ip, "user_agent": a.user_agent, "detail": a.detail(), "success_event": o.success_event,
            "success_detail": o.success_detail, "challenge_id": o.challenge_id, "names_factor": o.names_factor,
        }))[0]
        _count(a, row.outcome, row.attempt)  # on SQLite, the steps of _settle_in count themselves
        return Settled(row.outcome, row.attempt, row.retry_at)
    async with db.transaction() as conn:
        return await _settle_in(conn, o)


# The stored function's outcomes, in the metrics' words (as count_attempt, succeeded and failed
# count them on SQLite: a code taken for a transaction spent meanwhile was still a success).
_OUTCOMES = {"ok": "success", "txn_spent": "success", "invalid": "wrong_code", "replayed": "replay",
             "locked": "locked"}


def _count(a: Attempt, outcome: str, attempt: int) -> None:
    if outcome in _OUTCOMES:  # not "gone": no user, nothing counted
        metrics.verification(a.kind, _OUTCOMES[outcome])
        if outcome in ("invalid", "replayed") and attempt >= a.max_failures:
            metrics.lockout(a.counter)


async def _settle_in(conn, o: OtpAttempt) -> Settled:
    """twofold_settle_otp's steps, from the rules above; keep the two in step."""
    a = o.attempt
    # With a transaction to spend: a user deactivated or suspended since the read is gone.
    counted = await count_attempt(conn, a, active_only=o.txn_id is not None)
    if counted.outcome != "counted":
        return Settled(counted.outcome, 0, counted.retry_at)
    replayed = o.replayed
    if o.step is not None or o.challenge_id is not None:
        if o.step is not None:
            claimed = await factor_store.claim_active_step(conn, a.user_id, o.factor_id, o.step, a.now)
        else:
            claimed = await oob_store.spend_for_active(conn, o.challenge_id, o.factor_id, a.user_id, a.now)
        if claimed:
            await succeeded(conn, a, counted, o.factor_id)
            if o.txn_id is not None and not await token_store.consume_mfa_transaction(conn, o.txn_id, a.now):
                return Settled("txn_spent", counted.attempt, 0)
            if o.success_event is not None:
                await _event(conn, a, o.success_event, "SUCCESS", o.success_detail)
            return Settled("ok", counted.attempt, 0)
        replayed = True  # a parallel twin claimed this step (or spent this challenge) first
    named = o.factor_id if replayed or o.names_factor else None
    await failed(conn, a, counted, "replayed" if replayed else "invalid_code", named)
    return Settled("replayed" if replayed else "invalid", counted.attempt, 0)
