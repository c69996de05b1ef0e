"""Verifying a second factor: every path that accepts a code comes here (R30), so one lockout
counter and one replay guard cover the Auth0 grants and Okta's /factors/{id}/verify.

Two shapes over the same columns and rules:
- `settle_totp` is the hot path (a code for an ACTIVE factor): the factor was read outside a
  transaction, the code is judged in Python, and `store.settle` counts the attempt, claims the
  step, resets the counter and audits in one atomic step;
- `check_totp` and the others run inside the caller's transaction, for the paths that also
  change other state (a pending factor's first code activates it and its recovery code)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .. import authenticators
from ..domain.errors import (
    DomainError, InvalidAnswer, InvalidCredentials, InvalidOtp, InvalidRecoveryCode, MfaTokenExpired, NotEnrolled,
    TooManyAttempts,
)
from ..store import factors as factor_store
from ..store import users as user_store
from ..store.settle import OtpAttempt, settle_otp
from . import audit, org_authenticators
from .runtime import RequestMeta, Runtime


@dataclass
class Check:
    """Outcome of one attempt. `error` is raised by the caller *after* commit, so the counted
    failure and its audit row persist."""

    factor_id: str | None = None
    error: DomainError | None = None
    new_recovery_code: str | None = None
    activated: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def _limits(rt: Runtime, counter: str) -> tuple[int, int]:
    """(max failures, cooldown in ms) of a per-user counter (store.users.COUNTERS)."""
    s = rt.settings
    if counter == "otp_grant":
        return s.otp_grant_max_failures, s.otp_grant_lockout_seconds * 1000
    return s.mfa_max_failures, s.mfa_lockout_seconds * 1000


def _detail(kind: str, counter: str, **more) -> dict:
    return {"kind": kind, **({"counter": counter} if counter != "mfa" else {}), **more}


async def _reserve(conn: AsyncConnection, rt: Runtime, user_id: str, kind: str,
                   meta: RequestMeta | None, client_id: str | None,
                   counter: str = "mfa") -> tuple[int, DomainError | None]:
    max_failures, cooldown = _limits(rt, counter)
    now = rt.now_ms()
    attempt = await user_store.reserve_attempt(conn, counter, user_id, now, max_failures, cooldown)
    if attempt is None:
        until = (await user_store.last_attempt(conn, counter, user_id) or 0) + cooldown
        await audit.record(conn, now, "mfa.verify", "DENY", meta=meta, user_id=user_id,
                           client_id=client_id, reason="locked_out", detail=_detail(kind, counter))
        return 0, TooManyAttempts(retry_after=_retry_after(until, now), kind="mfa")
    return attempt, None


async def _failed(conn, rt: Runtime, user_id: str | None, kind: str, reason: str, attempt: int, meta, client_id,
                  factor_id=None, counter: str = "mfa") -> None:
    now = rt.now_ms()
    await audit.record(conn, now, "mfa.verify", "FAILURE", meta=meta, user_id=user_id, client_id=client_id,
                       factor_id=factor_id, reason=reason, detail=_detail(kind, counter))
    if attempt >= _limits(rt, counter)[0]:
        await audit.record(conn, now, "user.mfa.lockout", "DENY", meta=meta, user_id=user_id,
                           client_id=client_id, detail=_detail(kind, counter, failures=attempt))


async def _succeeded(conn, rt: Runtime, user_id: str, kind: str, factor_id: str, meta, client_id,
                     counter: str = "mfa") -> None:
    await user_store.reset_failures(conn, counter, user_id)  # R32
    await audit.record(conn, rt.now_ms(), "mfa.verify", "SUCCESS", meta=meta, user_id=user_id,
                       client_id=client_id, factor_id=factor_id, detail=_detail(kind, counter))


def _retry_after(until_ms: int, now_ms: int) -> int:
    return max(1, (until_ms - now_ms + 999) // 1000)


async def settle_totp(rt: Runtime, user_id: str, rows, code: str | None, *, meta: RequestMeta | None = None,
                      client_id: str | None = None, txn_id: str | None = None,
                      success_event: str | None = None, success_detail: str | None = None) -> Check:
    """A code against the user's ACTIVE TOTP factors (rows read by the caller); with `txn_id`
    a success also spends that MFA transaction, and writes `success_event`, in the same
    atomic step (R46)."""
    totp = authenticators.get("totp")
    rules = await org_authenticators.cached_rules(rt)
    rows = [r for r in rows if r.type == "totp" and r.status == "ACTIVE" and org_authenticators.usable(rules, r)]
    if not rows:
        return Check(error=NotEnrolled())
    now_s = rt.clock.now()
    chosen, step, replayed = rows[0], None, False
    for row in rows:
        outcome = totp.verify(rt.sealer, row, code, now_s, rt.settings.totp_window)
        if outcome.ok:
            chosen, step = row, outcome.step
            break
        if outcome.replayed:
            chosen, replayed = row, True
    s = rt.settings
    now_ms = rt.now_ms()
    settled = await settle_otp(rt.db, OtpAttempt(
        user_id=user_id, factor_id=chosen.id, step=step, replayed=replayed, txn_id=txn_id, now=now_ms,
        max_failures=s.mfa_max_failures, cooldown_ms=s.mfa_lockout_seconds * 1000, kind="otp",
        client_id=client_id, ip=meta.ip if meta else None,
        user_agent=((meta.user_agent or "")[:300] or None) if meta else None,
        success_event=success_event, success_detail=success_detail))
    match settled.outcome:
        case "ok":
            return Check(factor_id=chosen.id)
        case "txn_spent":
            return Check(factor_id=chosen.id, error=MfaTokenExpired())
        case "locked":
            return Check(error=TooManyAttempts(retry_after=_retry_after(settled.retry_at, now_ms), kind="mfa"))
        case "replayed":
            return Check(error=InvalidOtp(replayed=True))  # R10: refused, counted and logged as such
        case "invalid":
            return Check(error=InvalidOtp())
    # The user went away meanwhile; with a transaction: deactivated or suspended since the read.
    return Check(error=InvalidCredentials() if txn_id is not None else NotEnrolled())


async def check_totp(conn: AsyncConnection, rt: Runtime, user_id: str, code: str | None, *,
                     factor_id: str | None = None, meta: RequestMeta | None = None,
                     client_id: str | None = None,
                     statuses: tuple[str, ...] = ("ACTIVE", "PENDING_ACTIVATION"), rows=None,
                     rules: dict[str, str] | None = None, counter: str = "mfa") -> Check:
    """Verify a TOTP code against the user's TOTP factors (or one of them). A pending factor
    is confirmed by its first valid code; the step is claimed atomically (R1, R2, R37). The
    attempt is counted on `counter` (store.users.COUNTERS); the replay guard is the factor's,
    shared by every path."""
    totp = authenticators.get("totp")
    now_ms = rt.now_ms()
    if rows is None:  # the caller may have read the factor already
        rows = await factor_store.for_user(conn, user_id, types=("totp",), statuses=statuses)
    rows = [
        r for r in rows
        if r.type == "totp" and r.status in statuses
        and (r.status == "ACTIVE" or (r.activation_expires_at or 0) > now_ms)  # expired enrollments never confirm
        and (rules is None or r.status != "ACTIVE" or org_authenticators.usable(rules, r))
    ]
    if factor_id is not None:
        rows = [r for r in rows if r.id == factor_id]
    if not rows:
        return Check(error=NotEnrolled())
    attempt, locked = await _reserve(conn, rt, user_id, "otp", meta, client_id, counter)
    if locked:
        return Check(error=locked)
    now_s = rt.clock.now()
    replayed_on = None
    for row in rows:
        outcome = totp.verify(rt.sealer, row, code, now_s, rt.settings.totp_window)
        if outcome.replayed:
            replayed_on = row.id
        if not outcome.ok:
            continue
        activated = False
        if row.status != "ACTIVE":
            try:
                async with conn.begin_nested():
                    activated = await factor_store.claim_pending_step(conn, row.id, outcome.step, rt.now_ms())
            except IntegrityError:
                pass  # another factor of this kind became active meanwhile
        # A row read as pending may have been confirmed by a parallel request since: then this
        # code is an ordinary use of an active factor, and nothing is activated twice.
        claimed = activated or await factor_store.claim_active_step(conn, user_id, row.id, outcome.step, rt.now_ms())
        if not claimed:
            replayed_on = row.id
            continue
        if activated:
            now = rt.now_ms()
            await factor_store.mark_activated(conn, row.id, now)
            await factor_store.activate_pending_of_type(conn, user_id, "recovery_code", now)
            await factor_store.delete_all_pending(conn, user_id)  # no other stays confirmable
            await audit.record(conn, now, "factor.activate", "SUCCESS", meta=meta, user_id=user_id,
                               client_id=client_id, factor_id=row.id, detail={"type": "totp"})
        await _succeeded(conn, rt, user_id, "otp", row.id, meta, client_id, counter)
        return Check(factor_id=row.id, activated=activated)
    if replayed_on:
        # R10: a replay is refused, counted and logged as such.
        await _failed(conn, rt, user_id, "otp", "replayed", attempt, meta, client_id, replayed_on, counter)
        return Check(error=InvalidOtp(replayed=True))
    await _failed(conn, rt, user_id, "otp", "invalid_code", attempt, meta, client_id, counter=counter)
    return Check(error=InvalidOtp())


# No user has this id (ids are 20 characters): an unknown login runs the same counting statement.
_NO_USER = "-"


async def check_otp_grant(conn: AsyncConnection, rt: Runtime, user, code: str | None, *,
                          meta: RequestMeta | None, client_id: str | None, rules: dict[str, str]) -> Check:
    """Okta's OTP grant: a TOTP code as the only credential. Its guesses are made without a
    password, so they spend the user's `otp_grant` budget, not the MFA counter that guards the
    password + second-factor sign-in: knowing a login is not enough to lock that (R33), and
    the guesses stay bounded, counted before the verdict (R30, R31). The replay guard is the
    factor's own, so a code spent here is spent on every path (R1).

    `user`: the ACTIVE user of the login, or None. An unknown login, a user without an
    authenticator app, a wrong or replayed code and a spent budget all end in the same
    InvalidCredentials (R34, R50), after the same statements: factors read, attempt counted,
    audit row written."""
    rows = []
    if user is not None:
        rows = [r for r in await factor_store.for_user(conn, user.id, types=("totp",), statuses=("ACTIVE",))
                if org_authenticators.usable(rules, r)]
    if rows:
        result = await check_totp(conn, rt, user.id, code, meta=meta, client_id=client_id, statuses=("ACTIVE",),
                                  rows=rows, rules=rules, counter="otp_grant")
        return result if result.ok else Check(error=InvalidCredentials())
    if user is None:
        max_failures, cooldown = _limits(rt, "otp_grant")
        await factor_store.for_user(conn, _NO_USER, types=("totp",), statuses=("ACTIVE",))
        await user_store.reserve_attempt(conn, "otp_grant", _NO_USER, rt.now_ms(), max_failures, cooldown)
        await _failed(conn, rt, None, "otp", "unknown_user", 0, meta, client_id, counter="otp_grant")
        return Check(error=InvalidCredentials())
    attempt, locked = await _reserve(conn, rt, user.id, "otp", meta, client_id, "otp_grant")
    if not locked:
        await _failed(conn, rt, user.id, "otp", "not_enrolled", attempt, meta, client_id, counter="otp_grant")
    return Check(error=InvalidCredentials())


async def check_recovery_code(conn: AsyncConnection, rt: Runtime, user_id: str, code: str | None, *,
                              meta: RequestMeta | None = None, client_id: str | None = None) -> Check:
    """Consume the user's recovery code and issue its replacement in one CAS (R13, R17, R18)."""
    rc = authenticators.get("recovery_code")
    rows = await factor_store.for_user(conn, user_id, types=("recovery_code",), statuses=("ACTIVE",))
    if not rows:
        return Check(error=NotEnrolled())
    attempt, locked = await _reserve(conn, rt, user_id, "recovery-code", meta, client_id)
    if locked:
        return Check(error=locked)
    row = rows[0]
    if rc.verify(row, code).ok:
        new_code, new_hash = rc.new_code(user_id)
        if await factor_store.swap_secret_hash(conn, row.id, row.secret_hash, new_hash, rt.now_ms()):
            await _succeeded(conn, rt, user_id, "recovery-code", row.id, meta, client_id)
            return Check(factor_id=row.id, new_recovery_code=new_code)
        await _failed(conn, rt, user_id, "recovery-code", "replayed", attempt, meta, client_id, row.id)
        return Check(error=InvalidRecoveryCode())
    await _failed(conn, rt, user_id, "recovery-code", "invalid_code", attempt, meta, client_id, row.id)
    return Check(error=InvalidRecoveryCode())


async def verify_question(rt: Runtime, user_id: str, factor_id: str, answer: str | None, *,
                          meta: RequestMeta | None = None, client_id: str | None = None) -> Check:
    """Okta `question` verification, under the same per-user counter as codes. Like the password
    sign-in, it counts the attempt in one short transaction, hashes outside any, and records the
    verdict in another: argon2id never runs while the user's row (or SQLite's writer lock) is
    held, so answers being guessed cannot stall the user's other verifications."""
    from ..authenticators.question import normalize_answer

    async with rt.db.transaction() as conn:
        rows = [r for r in await factor_store.for_user(conn, user_id, types=("question",), statuses=("ACTIVE",))
                if r.id == factor_id]
        if not rows:
            return Check(error=NotEnrolled())
        attempt, locked = await _reserve(conn, rt, user_id, "question", meta, client_id)
    if locked:
        return Check(error=locked)
    stored = rows[0].secret_hash.decode() if rows[0].secret_hash else None
    ok, _ = await rt.passwords.verify(stored, normalize_answer(answer or "")[:1024])
    async with rt.db.transaction() as conn:
        if ok:
            await _succeeded(conn, rt, user_id, "question", factor_id, meta, client_id)
            return Check(factor_id=factor_id)
        await _failed(conn, rt, user_id, "question", "invalid_answer", attempt, meta, client_id, factor_id)
    return Check(error=InvalidAnswer())
