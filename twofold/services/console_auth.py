"""Signing in to the Admin Console: twofold protects its own console with a password and a
TOTP code, through the same throttle, verifier, lockout counter and replay guard as every
other sign-in (R30, R31). A session lives in the database under the SHA-256 of its cookie
(R15); the cookie changes when the second factor is given (no session fixation)."""
from __future__ import annotations

from dataclasses import dataclass

from .. import authenticators
from ..authenticators.base import ACTIVE, Answer
from ..domain import ids, policy
from ..domain.errors import AuthenticatorNotAllowed, DomainError, InvalidCredentials, NoUsableFactor
from ..store import console as store
from ..store import throttle
from ..store import users as user_store
from . import audit, factors, next_step, org_authenticators
from .login import check_password
from .runtime import RequestMeta, Runtime
from .users import resolve_or_404
from .verify import check

SUPER_ADMIN = "SUPER_ADMIN"


class SignInFailed(DomainError):
    """Second step refused: the session is gone, expired or not at this stage."""


@dataclass
class ConsoleSession:
    id: str
    user_id: str
    login: str
    stage: str
    display_name: str


async def grant_admin(rt: Runtime, id_or_login: str, meta: RequestMeta | None = None) -> bool:
    async with rt.db.transaction() as conn:
        user = await resolve_or_404(conn, id_or_login)
        granted = await store.grant_role(conn, user.id, SUPER_ADMIN, rt.now_ms())
        if granted:
            await audit.record(conn, rt.now_ms(), "user.account.privilege.grant", "SUCCESS", meta=meta,
                               user_id=user.id, detail={"role": SUPER_ADMIN})
        return granted


async def sign_in_password(rt: Runtime, username: str, password: str, meta: RequestMeta | None) -> str:
    """First step. Returns the cookie of a session that still needs the second factor. A user
    who is not an administrator gets the same answer as a wrong password."""
    user, key, rehash = await check_password(rt, username=username, password=password, realm=None,
                                             meta=meta, client_id=None)
    token = ids.opaque_token(32)
    async with rt.db.transaction() as conn:
        now = rt.now_ms()
        if SUPER_ADMIN not in await store.roles_of(conn, user.id):
            # Counted like a wrong password, so the throttle is no oracle for it either (R34).
            await throttle.failed(conn, key, now, rt.settings.password_max_failures,
                                  rt.settings.password_lockout_seconds * 1000)
            await audit.record(conn, now, "user.authentication.password", "FAILURE", meta=meta, user_id=user.id,
                               reason="not_admin", detail={"via": "admin_console"})
            failed = True
        else:
            failed = False
            await throttle.succeeded(conn, key)
            await user_store.record_login(conn, user.id, now, rehash)
            await store.purge_expired(conn, now)
            await store.insert_session(conn, id=ids.random_base62(32), token_hash=ids.token_hash(token),
                                       user_id=user.id, stage="password", created_at=now,
                                       expires_at=now + rt.settings.console_signin_ttl * 1000, last_seen_at=now)
            await audit.record(conn, now, "user.authentication.password", "SUCCESS", meta=meta, user_id=user.id,
                               detail={"via": "admin_console"})
    if failed:
        raise InvalidCredentials()
    return token


async def _pending_session(conn, rt: Runtime, token: str | None):
    now = rt.now_ms()
    row = await store.live_session(conn, ids.token_hash(token), now, rt.settings.console_signin_ttl * 1000) \
        if token else None
    if row is None or row.stage not in store.HALF_SIGNED_IN or row.user_status != "ACTIVE":
        raise SignInFailed("Your sign-in expired. Sign in again.")
    return row


async def second_factor_state(rt: Runtime, token: str | None) -> policy.NextStep:
    """What a half-signed-in administrator must do now, decided as for every sign-in
    (services.next_step) on the console's surface: after the password, prove a factor the
    console can ask (an authenticator app's code first; a security question when the user has
    no usable app), or enroll an app if they have no factor at all; once the question is
    answered, prove or enroll an app. `unusable`: none of their factors can be used here.
    Enrolled users bind nothing with the password alone (R35)."""
    rules = await org_authenticators.cached_rules(rt)
    async with rt.db.transaction() as conn:
        row = await _pending_session(conn, rt, token)
        if row.stage == "answered":
            return await next_step.after_second_factor(conn, rules, row.user_id, surface=policy.ADMIN_CONSOLE,
                                                       answer=Answer.SECRET_ANSWER)
        return await next_step.after_password(conn, rt, rules, row.user_id, surface=policy.ADMIN_CONSOLE,
                                              mfa_policy="always")


async def answer_question(rt: Runtime, token: str | None, answer: str, meta: RequestMeta | None) -> None:
    """The security question of an administrator who has no usable authenticator app: through
    the one verifier and lockout counter; once answered, the session may bind an app."""
    step = await second_factor_state(rt, token)
    asked = step.factors[0] if step.kind == "challenge" else None
    if asked is None or asked.answer is not Answer.SECRET_ANSWER:
        raise SignInFailed("Your sign-in expired. Sign in again.")
    result = await check(rt, asked.user_id, answer, answer=Answer.SECRET_ANSWER, factor_id=asked.id,
                         statuses=(ACTIVE,), meta=meta)
    if not result.ok:
        raise result.error
    async with rt.db.transaction() as conn:
        if not await store.mark_answered(conn, ids.token_hash(token), rt.now_ms()):
            raise SignInFailed("Your sign-in expired. Sign in again.")


async def sign_in_code(rt: Runtime, token: str | None, code: str, meta: RequestMeta | None) -> str:
    """Second step: a code of the administrator's active authenticator app. Returns the new cookie."""
    rules = await org_authenticators.cached_rules(rt)
    failure = None
    async with rt.db.transaction() as conn:
        row = await _pending_session(conn, rt, token)
        result = await check(rt, row.user_id, code, answer=Answer.PASSCODE, conn=conn, statuses=(ACTIVE,),
                             rules=rules, meta=meta)
        if result.ok:
            return await _promote(conn, rt, token, row.user_id, meta)
        failure = result.error
    raise failure  # after the commit: the counted failure stays counted


async def start_enrollment(rt: Runtime, token: str | None, meta: RequestMeta | None) -> factors.FactorInfo:
    """An administrator the decision sends to enroll binds an authenticator app before the
    console opens: the first of its options the console can ask that enrolls."""
    step = await second_factor_state(rt, token)
    if step.kind != "enroll":
        raise NoUsableFactor()
    user_id = await pending_user(rt, token)
    askable = [(authenticators.get(t), provider) for t, provider in step.options
               if authenticators.get(t).answer in policy.ADMIN_CONSOLE.answers]
    if not askable:  # the enrollment policy allows none: named as enrolling the first would be
        kind = next(t for t in authenticators.REGISTRY.values()
                    if t.primary and t.answer in policy.ADMIN_CONSOLE.answers)
        raise AuthenticatorNotAllowed(kind.authenticator_key(kind.okta_providers[0]))
    last: DomainError | None = None
    for kind, provider in askable:
        try:
            return await factors.enroll_factor(rt, user_id, kind, provider, {}, meta)
        except DomainError as exc:  # enrolled meanwhile, or the policy changed meanwhile
            last = exc
    raise last


async def finish_enrollment(rt: Runtime, token: str | None, factor_id: str, code: str,
                            meta: RequestMeta | None) -> str:
    async with rt.db.transaction() as conn:
        row = await _pending_session(conn, rt, token)
    await factors.activate(rt, row.user_id, factor_id, code, meta)  # the one verifier; raises on failure
    async with rt.db.transaction() as conn:
        return await _promote(conn, rt, token, row.user_id, meta)


async def _promote(conn, rt: Runtime, token: str, user_id: str, meta) -> str:
    new_token = ids.opaque_token(32)
    now = rt.now_ms()
    if not await store.promote(conn, ids.token_hash(token), ids.token_hash(new_token), now,
                               now + rt.settings.console_session_ttl * 1000):
        raise SignInFailed("Your sign-in expired. Sign in again.")
    await audit.record(conn, now, "user.session.start", "SUCCESS", meta=meta, user_id=user_id,
                       detail={"via": "admin_console"})
    return new_token


async def current(rt: Runtime, token: str | None) -> ConsoleSession | None:
    """The signed-in administrator of this cookie, or None. Idle sessions end; a user who lost
    the role or is no longer ACTIVE is signed out at the next request."""
    if not token:
        return None
    now = rt.now_ms()
    async with rt.db.transaction() as conn:
        row = await store.live_session(conn, ids.token_hash(token), now, rt.settings.console_idle_ttl * 1000)
        if row is None or row.stage != "full":
            return None
        if row.user_status != "ACTIVE" or SUPER_ADMIN not in await store.roles_of(conn, row.user_id):
            await store.end(conn, ids.token_hash(token))
            return None
        if now - row.last_seen_at > 30_000:  # one write per half minute, not per request
            await store.touch(conn, row.id, now)
    name = " ".join(p for p in (row.first_name, row.last_name) if p and p != "-") or row.login
    return ConsoleSession(id=row.id, user_id=row.user_id, login=row.login, stage=row.stage, display_name=name)


async def sign_out(rt: Runtime, token: str | None, meta: RequestMeta | None) -> None:
    if not token:
        return
    async with rt.db.transaction() as conn:
        user_id = await store.end(conn, ids.token_hash(token))
        if user_id:
            await audit.record(conn, rt.now_ms(), "user.session.end", "SUCCESS", meta=meta, user_id=user_id,
                               detail={"via": "admin_console"})



async def pending_user(rt: Runtime, token: str | None) -> str:
    async with rt.db.transaction() as conn:
        return (await _pending_session(conn, rt, token)).user_id


async def any_admin(rt: Runtime) -> bool:
    async with rt.db.transaction() as conn:
        return await store.any_admin(conn)


async def dashboard_counts(rt: Runtime) -> dict[str, int]:
    async with rt.db.transaction() as conn:
        return await store.counts(conn)
