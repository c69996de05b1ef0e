"""Verifying a second factor: every path that accepts an answer comes here (R30), so one
lockout counter and one replay guard cover the Auth0 grants, Okta's factor verify and
activation, its direct authentication and OTP grant, security answers and the console.

A factor type judges an answer purely (authenticators.base.FactorType.judge) and names the
effect to apply; this module applies it: the single-use claim (a TOTP step, a recovery code's
hash), a pending factor's activation with its companions, and around them the settle rules,
which store/settle.py defines once (count the attempt before the verdict takes effect (R31),
lockout, the counter reset (R32), the audit rows). Two shapes over the same rules:
- `settle_totp`, the hot path (a step claim on an ACTIVE factor): the factor was read outside a
  transaction, and `store.settle` performs every step in one atomic call;
- `check`, the one entry point of every other path: inside the caller's transaction, or, for
  answers hashed with argon2id, in two short ones with the hash between them."""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .. import authenticators
from ..authenticators.base import (
    ACTIVE, PENDING, Answer, CheckHash, ClaimStep, JudgeContext, Reject, SpendChallenge, SwapHash,
)
from ..domain.errors import DomainError, InvalidCredentials, MfaTokenExpired, NotEnrolled, TooManyAttempts
from ..store import factors as factor_store
from ..store import oob as oob_store
from ..store import settle
from . import audit, oob, org_authenticators
from .runtime import RequestMeta, Runtime


@dataclass
class Check:
    """Outcome of one attempt. `error` is raised by the caller *after* commit, so the counted
    failure and its audit row persist."""

    factor_id: str | None = None
    error: DomainError | None = None
    new_recovery_code: str | None = None
    activated: bool = False
    amr: tuple[str, ...] = ()  # what the factor that took it adds to the sign-in's `amr` (RFC 8176)

    @property
    def ok(self) -> bool:
        return self.error is None


def _limits(rt: Runtime, counter: str) -> tuple[int, int]:
    """(max failures, cooldown in ms) of a per-user counter (store.users.COUNTERS)."""
    s = rt.settings
    if counter == "otp_grant":
        return s.otp_grant_max_failures, s.otp_grant_lockout_seconds * 1000
    return s.mfa_max_failures, s.mfa_lockout_seconds * 1000


def _attempt(rt: Runtime, user_id: str | None, kind: str, meta: RequestMeta | None, client_id: str | None,
             counter: str = "mfa") -> settle.Attempt:
    """This attempt on `counter`, for the settle rules (store.settle) and their audit rows."""
    max_failures, cooldown = _limits(rt, counter)
    return settle.Attempt(
        user_id=user_id, now=rt.now_ms(), max_failures=max_failures, cooldown_ms=cooldown, kind=kind,
        counter=counter, client_id=client_id, ip=meta.ip if meta else None,
        user_agent=((meta.user_agent or "")[:300] or None) if meta else None, actor=meta.actor_id if meta else None)


def _refused(counted: settle.Counted, now_ms: int) -> DomainError:
    if counted.outcome == "locked":
        return TooManyAttempts(retry_after=_retry_after(counted.retry_at, now_ms), kind="mfa")
    return NotEnrolled()  # the user went away meanwhile


def _retry_after(until_ms: int, now_ms: int) -> int:
    return max(1, (until_ms - now_ms + 999) // 1000)


# The types the hot path settles: their judgement is a step claim on an ACTIVE factor.
HOT = frozenset(t.type for t in authenticators.REGISTRY.values() if t.hot)
# What a success there adds to `amr` (the hot path plans its tokens before the settle).
HOT_AMR = tuple(dict.fromkeys(a for t in authenticators.REGISTRY.values() if t.hot for a in t.amr))


def _judge_context(rt: Runtime, challenge=None) -> JudgeContext:
    # A sent code's key is derived only when one is judged.
    return JudgeContext(sealer=rt.sealer, now_s=rt.clock.now(), totp_window=rt.settings.totp_window,
                        challenge=challenge, code_keys=oob.code_keys(rt) if challenge is not None else ())


def _attempt_kind(answer: Answer) -> str:
    return authenticators.get(authenticators.answering(answer)[0]).attempt_kind


async def settle_totp(rt: Runtime, user_id: str, rows, code: str | None, *, meta: RequestMeta | None = None,
                      client_id: str | None = None, txn_id: str | None = None,
                      success_event: str | None = None, success_detail: str | None = None) -> Check:
    """A code against the user's ACTIVE factors whose judgement is a step claim (rows read by
    the caller); with `txn_id` a success also spends that MFA transaction, and writes
    `success_event`, in the same atomic step (R46)."""
    rules = await org_authenticators.cached_rules(rt)
    rows = [r for r in rows if r.type in HOT and r.status == ACTIVE and org_authenticators.usable(rules, r)]
    if not rows:
        return Check(error=NotEnrolled())
    ctx = _judge_context(rt)
    chosen, step, replayed = rows[0], None, False
    for row in rows:
        effect = authenticators.get(row.type).judge(ctx, row, code)
        if isinstance(effect, ClaimStep):
            chosen, step = row, effect.step
            break
        if effect.replayed:
            chosen, replayed = row, True
    kind = authenticators.get(chosen.type)
    # The stored function's rows name no administrator: their detail is the kind (and the count).
    attempt = replace(_attempt(rt, user_id, kind.attempt_kind, meta, client_id), actor=None)
    settled = await settle.settle_otp(rt.db, settle.OtpAttempt(
        attempt, factor_id=chosen.id, step=step, replayed=replayed, txn_id=txn_id,
        success_event=success_event, success_detail=success_detail))
    return _settled(settled, chosen.id, kind, attempt.now, txn_id)


async def settle_sent_code(rt: Runtime, user_id: str, row, code: str | None, *,
                           meta: RequestMeta | None = None) -> Check:
    """A code sent by SMS, voice or email against the newest challenge of its ACTIVE factor
    (Okta's Factors API; `row` read by the caller), settled in one atomic call as a TOTP code
    is: the claim is the challenge's spend. No challenge (UnknownChallenge) or an expired one
    (ChallengeExpired) is refused before anything is counted, as on the transactional path."""
    if not org_authenticators.usable(await org_authenticators.cached_rules(rt), row):
        return Check(error=NotEnrolled())
    challenge = await oob.challenge_of(rt.db, rt, factor_id=row.id)
    kind = authenticators.get(row.type)
    effect = kind.judge(_judge_context(rt, challenge), row, code)
    attempt = replace(_attempt(rt, user_id, kind.attempt_kind, meta, None), actor=None)
    settled = await settle.settle_otp(rt.db, settle.OtpAttempt(
        attempt, factor_id=row.id, step=None, replayed=isinstance(effect, Reject) and effect.replayed, txn_id=None,
        challenge_id=effect.challenge_id if isinstance(effect, SpendChallenge) else None, names_factor=True))
    return _settled(settled, row.id, kind, attempt.now, None)


def _settled(settled: settle.Settled, factor_id: str, kind, now_ms: int, txn_id: str | None) -> Check:
    match settled.outcome:
        case "ok":
            return Check(factor_id=factor_id)
        case "txn_spent":
            return Check(factor_id=factor_id, error=MfaTokenExpired())
        case "locked":
            return Check(error=_refused(settled, now_ms))
        case "replayed":
            return Check(error=kind.wrong(True))  # R10: refused, counted and logged as such
        case "invalid":
            return Check(error=kind.wrong(False))
    # The user went away meanwhile; with a transaction: deactivated or suspended since the read.
    return Check(error=InvalidCredentials() if txn_id is not None else NotEnrolled())


def candidates(rows, answer: Answer, now_ms: int, *, statuses: tuple[str, ...] = (ACTIVE, PENDING),
               factor_id: str | None = None, rules: dict[str, str] | None = None) -> list:
    """The user's factors this answer may be for. A pending factor counts only while its
    activation lasts (expired enrollments never confirm); with `rules`, an ACTIVE one only
    while the enrollment policy lets it be used."""
    types = authenticators.answering(answer)
    return [
        r for r in rows
        if r.type in types and r.status in statuses
        and (r.status == ACTIVE or (r.activation_expires_at or 0) > now_ms)
        and (rules is None or r.status != ACTIVE or org_authenticators.usable(rules, r))
        and (factor_id is None or r.id == factor_id)
    ]


async def check(rt: Runtime, user_id: str, given: str | None, *, answer: Answer,
                conn: AsyncConnection | None = None, rows=None, factor_id: str | None = None,
                statuses: tuple[str, ...] = (ACTIVE, PENDING), rules: dict[str, str] | None = None,
                meta: RequestMeta | None = None, client_id: str | None = None, counter: str = "mfa",
                challenge=None) -> Check:
    """The one verifier: `given` (a passcode, a recovery code, a secret answer: `answer` says
    which) against the user's factors of the types that take it (or `rows`, read by the
    caller, or the one `factor_id`); a sent code against `challenge`, the one it
    answers. The attempt is counted on `counter` (store.users.COUNTERS)
    before the verdict; the replay guard is the factor's, shared by every path.

    With `conn`, every step runs in the caller's transaction (the caller raises `error` after
    its commit, so the counted failure stays). Without, the count commits in one short
    transaction and the verdict in another, and an argon2id hash runs between them, never
    while the user's row (or SQLite's writer lock) is held."""
    if conn is not None:
        return await _check_in(conn, rt, user_id, given, answer, rows, factor_id, statuses, rules, meta, client_id,
                               counter, challenge)
    async with rt.db.transaction() as conn:
        found = await _candidates(conn, rt, user_id, answer, rows, factor_id, statuses, rules)
        if not found:
            return Check(error=NotEnrolled())
        attempt = _attempt(rt, user_id, _attempt_kind(answer), meta, client_id, counter)
        counted = await settle.count_attempt(conn, attempt)
        if counted.outcome == "counted":  # committed before the hash, so parallel guesses count (R31)
            counted = await settle.hold(conn, attempt, counted)
    if counted.outcome != "counted":
        return Check(error=_refused(counted, attempt.now))
    judged = await _judge_all(rt, found, given, challenge)
    async with rt.db.transaction() as conn:
        return await _settle(conn, rt, replace(attempt, now=rt.now_ms()), counted, answer, judged)


async def _check_in(conn, rt, user_id, given, answer, rows, factor_id, statuses, rules, meta, client_id,
                    counter, challenge) -> Check:
    found = await _candidates(conn, rt, user_id, answer, rows, factor_id, statuses, rules)
    if not found:
        return Check(error=NotEnrolled())
    attempt = _attempt(rt, user_id, _attempt_kind(answer), meta, client_id, counter)
    counted = await settle.count_attempt(conn, attempt)
    if counted.outcome != "counted":
        return Check(error=_refused(counted, attempt.now))
    return await _settle(conn, rt, attempt, counted, answer, await _judge_all(rt, found, given, challenge))


async def _candidates(conn, rt, user_id, answer, rows, factor_id, statuses, rules) -> list:
    if rows is None:  # the caller may have read the factors already
        rows = await factor_store.for_user(conn, user_id, types=authenticators.answering(answer), statuses=statuses)
    return candidates(rows, answer, rt.now_ms(), statuses=statuses, factor_id=factor_id, rules=rules)


_ACCEPTED = object()  # a hashed answer argon2id accepted: nothing to claim


async def _judge_all(rt: Runtime, rows, given: str | None, challenge=None) -> list:
    ctx = _judge_context(rt, challenge)
    judged = []
    for row in rows:
        effect = authenticators.get(row.type).judge(ctx, row, given)
        if isinstance(effect, CheckHash):
            ok, _ = await rt.passwords.verify(effect.stored, effect.candidate)
            effect = _ACCEPTED if ok else Reject()
        judged.append((row, effect))
    return judged


async def _settle(conn, rt: Runtime, attempt: settle.Attempt, counted: settle.Counted, answer: Answer,
                  judged: list) -> Check:
    """Apply the first effect that takes; else count the failure (a replay as such, R10)."""
    kind = authenticators.get(judged[0][0].type)
    meta = RequestMeta(attempt.ip, attempt.user_agent, attempt.actor)
    replayed_on = None
    for row, effect in judged:
        if isinstance(effect, Reject):
            replayed_on = row.id if effect.replayed else replayed_on
            continue
        activated, applied = await _apply(conn, rt, attempt.user_id, row, effect)
        if not applied:  # a parallel twin took it first
            replayed_on = row.id
            continue
        if activated:
            await _activated(conn, rt, attempt.user_id, row, meta, attempt.client_id)
        await settle.succeeded(conn, attempt, counted, row.id)
        return Check(factor_id=row.id, activated=activated, amr=authenticators.get(row.type).amr,
                     new_recovery_code=effect.new_secret if isinstance(effect, SwapHash) else None)
    if replayed_on:
        await settle.failed(conn, attempt, counted, "replayed", replayed_on)
        return Check(error=kind.wrong(True))
    # A wrong passcode matched none of the user's devices; a wrong recovery code or answer was
    # for the one factor it names.
    named = None if answer is Answer.PASSCODE else judged[0][0].id
    reason = "invalid_answer" if answer is Answer.SECRET_ANSWER else "invalid_code"
    await settle.failed(conn, attempt, counted, reason, named)
    return Check(error=kind.wrong(False))


async def _apply(conn, rt: Runtime, user_id: str, row, effect) -> tuple[bool, bool]:
    """(activated, applied): each effect is one compare-and-set, so of N parallel identical
    answers one takes it (R1, R2, R13, R37)."""
    now = rt.now_ms()
    if isinstance(effect, ClaimStep):
        activated = False
        if row.status != ACTIVE:
            try:
                async with conn.begin_nested():
                    activated = await factor_store.claim_pending_step(conn, row.id, effect.step, now)
            except IntegrityError:
                pass  # another factor of this kind became active meanwhile
        # A row read as pending may have been confirmed by a parallel request since: then this
        # answer is an ordinary use of an active factor, and nothing is activated twice.
        return activated, activated or await factor_store.claim_active_step(conn, user_id, row.id, effect.step, now)
    if isinstance(effect, SwapHash):
        return False, await factor_store.swap_secret_hash(conn, row.id, effect.old, effect.new, now)
    if isinstance(effect, SpendChallenge):
        if not await oob_store.spend(conn, effect.challenge_id, now):
            return False, False  # a parallel twin spent it first
        activated = False
        if row.status != ACTIVE:
            try:
                async with conn.begin_nested():
                    activated = await factor_store.confirm_pending(conn, row.id, now)
            except IntegrityError:
                pass  # another factor of this kind became active meanwhile
            if not activated:  # expired meanwhile, or another of its kind is active: no success
                return False, False
        return activated, True
    return False, effect is _ACCEPTED


async def _activated(conn, rt: Runtime, user_id: str, row, meta, client_id) -> None:
    """A factor's first answer confirmed it: its companions (the recovery code issued with it)
    become active, and other pending enrollments of its type (any provider) go, so none left
    earlier stays confirmable (R35, R37)."""
    now = rt.now_ms()
    await factor_store.mark_activated(conn, row.id, now)
    for companion in authenticators.companions():
        await factor_store.activate_pending_of_type(conn, user_id, companion.type, now)
    await factor_store.delete_pending(conn, user_id, row.type)
    await audit.record(conn, now, "factor.activate", "SUCCESS", meta=meta, user_id=user_id,
                       client_id=client_id, factor_id=row.id, detail={"type": row.type})


# No user has this id (ids are 20 characters): an unknown login runs the same counting statement.
_NO_USER = "-"


async def check_otp_grant(conn: AsyncConnection, rt: Runtime, user, code: str | None, *,
                          meta: RequestMeta | None, client_id: str | None, rules: dict[str, str]) -> Check:
    """Okta's OTP grant: a passcode as the only credential. Its guesses are made without a
    password, so they spend the user's `otp_grant` budget, not the MFA counter that guards the
    password + second-factor sign-in: knowing a login is not enough to lock that (R33), and
    the guesses stay bounded, counted before the verdict (R30, R31). The replay guard is the
    factor's own, so a code spent here is spent on every path (R1).

    `user`: the ACTIVE user of the login, or None. An unknown login, a user without an
    authenticator app, a wrong or replayed code and a spent budget all end in the same
    InvalidCredentials (R34, R50), after the same statements: factors read, attempt counted,
    audit row written."""
    types, kind = authenticators.answering(Answer.PASSCODE), _attempt_kind(Answer.PASSCODE)
    rows = []
    if user is not None:
        rows = [r for r in await factor_store.for_user(conn, user.id, types=types, statuses=(ACTIVE,))
                if org_authenticators.usable(rules, r)]
    if rows:
        result = await check(rt, user.id, code, answer=Answer.PASSCODE, conn=conn, rows=rows, statuses=(ACTIVE,),
                             rules=rules, meta=meta, client_id=client_id, counter="otp_grant")
        return result if result.ok else Check(error=InvalidCredentials())
    if user is None:
        await factor_store.for_user(conn, _NO_USER, types=types, statuses=(ACTIVE,))
        await settle.count_attempt(conn, _attempt(rt, _NO_USER, kind, meta, client_id, "otp_grant"))
        await settle.failed(conn, _attempt(rt, None, kind, meta, client_id, "otp_grant"), settle.Counted("gone"),
                            "unknown_user")
        return Check(error=InvalidCredentials())
    attempt = _attempt(rt, user.id, kind, meta, client_id, "otp_grant")
    counted = await settle.count_attempt(conn, attempt)
    if counted.outcome == "counted":
        await settle.failed(conn, attempt, counted, "not_enrolled")
    return Check(error=InvalidCredentials())
