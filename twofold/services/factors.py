"""The Okta Factors API's use cases: enroll, activate, verify, list, remove, reset. The same
factors, verifier, replay guard and lockout counter serve the Auth0 dialect."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import io
from dataclasses import dataclass

import segno
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .. import authenticators
from ..authenticators.base import ACTIVE, PENDING, Answer, EnrollRequest, FactorType, FactorView
from ..domain.errors import AlreadyEnrolled, DomainError, FactorState, NotEnrolled, NotFound
from ..store import factors as factor_store
from ..store import users as user_store
from . import audit, oob, org_authenticators, users
from .mfa import factor_views
from .runtime import RequestMeta, Runtime
from .verify import HOT, check, settle_sent_code, settle_totp


@dataclass
class Activation:
    """What a factor awaiting its first code shows: its secret and a QR-code capability token."""

    shared_secret: str
    qr_token: str
    key_uri: str
    time_step: int = 30


@dataclass
class FactorInfo:
    view: FactorView
    activation: Activation | None = None
    login: str = ""


def _qr_token(rt: Runtime, factor_id: str, created_at: int, key: bytes | None = None) -> str:
    # Derived, not stored: an HMAC over the factor, under a key of its own. It is not the
    # secret, and it stops working when the factor is no longer pending (R39).
    mac = hmac.new(key or rt.sealer.derive_key("qr-link"), f"{factor_id}:{created_at}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def _pending(view: FactorView, now: int) -> bool:
    return view.status == PENDING and (view.activation_expires_at or 0) > now


async def _info(conn: AsyncConnection, rt: Runtime, row, login: str) -> FactorInfo:
    kind = authenticators.get(row.type)
    view = kind.describe(row)
    shown = kind.pending_secret(rt.sealer, row, login, rt.settings.otp_issuer) if _pending(view, rt.now_ms()) else None
    activation = None
    if shown is not None:
        activation = Activation(shown.shared_secret, _qr_token(rt, row.id, row.created_at), shown.key_uri,
                                shown.time_step)
    return FactorInfo(view, activation, login)


async def _user(conn: AsyncConnection, user_ref: str):
    """The user named in the path: an id or a login (one lookup, inside the caller's transaction)."""
    return await users.resolve_or_404(conn, user_ref)


async def _factor_row(conn: AsyncConnection, user_id: str, factor_id: str):
    rows = [r for r in await factor_store.for_user(conn, user_id) if r.id == factor_id]
    if not rows or authenticators.get(rows[0].type).okta_factor_type is None:
        raise NotFound(f"{factor_id} (UserFactor)")
    return rows[0]


async def list_factors(rt: Runtime, user_id: str) -> list[FactorInfo]:
    async with rt.db.transaction() as conn:
        user = await _user(conn, user_id)
        user_id = user.id
        rows = await factor_store.for_user(conn, user_id)
        return [await _info(conn, rt, r, user.login) for r in rows
                if authenticators.get(r.type).okta_factor_type is not None]


async def get_factor(rt: Runtime, user_id: str, factor_id: str) -> FactorInfo:
    async with rt.db.transaction() as conn:
        user = await _user(conn, user_id)
        user_id = user.id
        return await _info(conn, rt, await _factor_row(conn, user_id, factor_id), user.login)


async def catalog(rt: Runtime, user_id: str) -> list[tuple[FactorType, str, bool]]:
    """Okta's factor catalog: (type, provider, active for this user) for each factor the Okta
    dialect shows whose authenticator the enrollment policy in force allows, and each the user
    has active, in the registry's order."""
    rules = await org_authenticators.cached_rules(rt)  # read before the transaction (SQLite: one writer)
    async with rt.db.transaction() as conn:
        uid = (await _user(conn, user_id)).id
        active = {(v.type, v.provider) for v in await factor_views(conn, uid, statuses=(ACTIVE,))}
    out = []
    for kind in authenticators.REGISTRY.values():
        if kind.okta_factor_type is None or kind.companion:
            continue
        for provider in kind.okta_providers:
            has = (kind.type, provider) in active
            if has or rules.get(kind.authenticator_key(provider), "NOT_ALLOWED") != "NOT_ALLOWED":
                out.append((kind, provider, has))
    return out


async def supersede_pending(conn: AsyncConnection, user_id: str, kind: FactorType, provider: str) -> None:
    """Before a new enrollment of `kind`: its pending predecessor (same type and provider) goes,
    and for a primary factor every pending companion too, since its activation confirms them:
    only the companion issued with it may be, never one left by an earlier enrollment (whoever
    had the password then; R35, R37)."""
    await factor_store.delete_pending(conn, user_id, kind.type, provider)
    if kind.primary:
        for companion in authenticators.companions():
            await factor_store.delete_pending(conn, user_id, companion.type)


def _existing_destination(kind: FactorType) -> str:
    return f"There is an existing verified {'email address' if kind.channel == 'email' else 'phone number'}."


async def enroll_factor(rt: Runtime, user_id: str, kind: FactorType, provider: str, profile: dict,
                        meta: RequestMeta | None = None, *, activate: bool = False, replace: bool = False,
                        ttl_seconds: int | None = None, template_id: str | None = None,
                        languages: tuple[str, ...] = ()) -> FactorInfo:
    """Enroll a factor of `kind`, if its authenticator and the enrollment policy allow it. A
    secret the type hashes (an answer) is hashed before the transaction.

    For a type that sends a code: `activate` enrolls it ACTIVE with no code sent (Okta's
    auto-activation: the administrator vouches for the number or address; a secret shown once
    is always confirmed by its first code, R37); `replace` lets this enrollment take the place
    of the active factor of the kind with another number or address (Okta's updatePhone),
    which is refused without it; `ttl_seconds`, `template_id`, `languages`: the first code's
    lifetime and message (oob.send_code)."""
    if activate and kind.channel is None and kind.confirmed_by_first_answer:
        raise FactorState("Auto-activation is not supported for this factor.")
    profile = kind.validate(profile)
    secret = kind.secret_to_hash(profile)
    secret_hash = await rt.passwords.hash(secret) if secret is not None else None
    async with rt.db.transaction() as conn:
        user = await _user(conn, user_id)
        user_id = user.id
        settings = await org_authenticators.require_enrollable(conn, kind.authenticator_key(provider), kind.type)
        views = await factor_views(conn, user_id, statuses=(ACTIVE,))
        now = rt.now_ms()
        for old in [v for v in views if v.type == kind.type and v.provider == provider]:
            same = kind.destination(old) == kind.destination(dataclasses.replace(old, profile=profile))
            if kind.channel is None or same:
                raise AlreadyEnrolled()
            if not replace:
                raise AlreadyEnrolled(_existing_destination(kind))
            # Replaced, not kept beside it: the new number is a new binding (R25), confirmed by
            # its own first code; the user's other factors and recovery code stay.
            await factor_store.delete_factor(conn, old.id)
            await audit.record(conn, now, "factor.delete", "SUCCESS", meta=meta, user_id=user_id, factor_id=old.id,
                               reason="replaced", detail={"type": old.type})
        enrollment = kind.enroll(rt.sealer, EnrollRequest(
            user_id=user_id, login=user.login, provider=provider, now=now,
            activation_expires_at=now + rt.settings.factor_activation_ttl * 1000, settings=settings,
            profile=profile, secret_hash=secret_hash, issuer=rt.settings.otp_issuer))
        auto_activated = activate and kind.channel is not None
        if auto_activated:
            enrollment.values.update(status=ACTIVE, activated_at=now, activation_expires_at=None)
        await supersede_pending(conn, user_id, kind, provider)
        try:  # the unique index on active factors settles a race between two enrollments
            async with conn.begin_nested():
                await factor_store.insert_factor(conn, **enrollment.values)
        except IntegrityError as exc:
            raise AlreadyEnrolled() from exc
        await audit.record(conn, now, "factor.enroll", "SUCCESS", meta=meta, user_id=user_id,
                           factor_id=enrollment.values["id"],
                           detail={"type": kind.type, "provider": provider,
                                   **({"auto_activated": True} if auto_activated else {})})
        row = await _factor_row(conn, user_id, enrollment.values["id"])
        info = await _info(conn, rt, row, user.login)
    if kind.channel is not None and info.view.status == PENDING:  # its first code, to confirm it (R37)
        await oob.send_code(rt, info.view, meta=meta, ttl_seconds=ttl_seconds, template_id=template_id,
                            languages=languages)
    return info


async def activate(rt: Runtime, user_id: str, factor_id: str, pass_code: str | None,
                   meta: RequestMeta | None = None) -> FactorInfo:
    """Confirm a pending factor with its first code (R37), through the one verifier."""
    failure: DomainError | None = None
    async with rt.db.transaction() as conn:
        user = await _user(conn, user_id)
        user_id = user.id
        row = await _factor_row(conn, user_id, factor_id)
        kind = authenticators.get(row.type)
        if row.status == ACTIVE:
            raise FactorState("The factor is already active.")
        if not kind.confirmed_by_first_answer or not _pending(kind.describe(row), rt.now_ms()):
            raise FactorState("The factor activation has expired. Enroll the factor again.")
        challenge = await oob.challenge_of(conn, rt, factor_id=factor_id) if kind.channel else None
        result = await check(rt, user_id, pass_code, answer=kind.answer, conn=conn, factor_id=factor_id, meta=meta,
                             challenge=challenge)
        if result.ok:
            return await _info(conn, rt, await _factor_row(conn, user_id, factor_id), user.login)
        failure = result.error
    raise failure


async def send_code(rt: Runtime, user_id: str, factor_id: str, meta: RequestMeta | None = None, *,
                    pending: bool, ttl_seconds: int | None = None, template_id: str | None = None,
                    languages: tuple[str, ...] = (), if_channel: bool = False) -> FactorInfo | None:
    """Okta's `resend` (a pending factor: `pending`) and its verify without a passCode (an
    active one): a new code to the factor's number or address; earlier codes stop working.
    Returns the factor as read before the send (for the answer: one read serves both). With
    `if_channel`, a factor that sends no code is None (the caller answers), not FactorState."""
    row = None if pending else await _read_by_id(rt, user_id, factor_id)
    if row is not None:  # the hot path: an active factor needs no login for its answer
        info = FactorInfo(authenticators.get(row.type).describe(row))
    else:
        async with rt.db.transaction() as conn:
            user = await _user(conn, user_id)
            row = await _factor_row(conn, user.id, factor_id)
            info = await _info(conn, rt, row, user.login)
    kind = authenticators.get(row.type)
    if kind.channel is None and if_channel:
        return None
    view = info.view
    if kind.channel is None:
        raise FactorState("This factor sends no code.")
    if pending and not _pending(view, rt.now_ms()):
        raise FactorState("The factor is not pending activation." if row.status == ACTIVE
                          else "The factor activation has expired. Enroll the factor again.")
    if not pending and row.status != ACTIVE:
        raise FactorState("The factor is not active. Activate it first.")
    if not pending and not org_authenticators.usable(await org_authenticators.cached_rules(rt), row):
        raise NotEnrolled()  # as verify with the code would answer: no code is sent for nothing
    await oob.send_code(rt, view, meta=meta, ttl_seconds=ttl_seconds, template_id=template_id, languages=languages)
    return info


async def _read_by_id(rt: Runtime, user_id: str, factor_id: str):
    """The factor, read outside a transaction on the hot lane, when the path names it by its
    user's id (a login in the path, or no such factor: None, and the caller's transactional
    read answers)."""
    row = await factor_store.by_id(rt.db, factor_id)
    if row is None or row.user_id != user_id or authenticators.get(row.type).okta_factor_type is None:
        return None
    return row


async def verify(rt: Runtime, user_id: str, factor_id: str, pass_code: str | None, answer: str | None,
                 meta: RequestMeta | None = None) -> None:
    # The hot path (a login storm): one read of the factor (and, for a sent code, of its newest
    # challenge), then one atomic settle.
    async with rt.db.held():
        row = await _read_by_id(rt, user_id, factor_id)
        if row is not None and row.status == ACTIVE and (row.type in HOT or authenticators.get(row.type).channel):
            if row.type in HOT:
                result = await settle_totp(rt, user_id, [row], pass_code, meta=meta)
            else:
                result = await settle_sent_code(rt, user_id, row, pass_code, meta=meta)
            if not result.ok:
                raise result.error
            return
    rules = await org_authenticators.cached_rules(rt)  # read before the transaction (SQLite: one writer)
    result = None
    async with rt.db.transaction() as conn:
        # A login in the path, another kind of factor, or no such factor.
        uid = (await _user(conn, user_id)).id
        row = await _factor_row(conn, uid, factor_id)
        if row.status != ACTIVE:
            raise FactorState("The factor is not active. Activate it first.")
        if not org_authenticators.usable(rules, row):
            raise NotEnrolled()
        kind = authenticators.get(row.type)
        if kind.channel and row.type not in HOT:
            # A sent code against the factor's last challenge: no hash runs, so the count, the
            # verdict and the spend share this transaction (as activation's do); its error is
            # raised after the commit, so a counted failure stays.
            challenge = await oob.challenge_of(conn, rt, factor_id=factor_id)
            result = await check(rt, uid, pass_code, answer=kind.answer, conn=conn, rows=[row], factor_id=factor_id,
                                 statuses=(ACTIVE,), meta=meta, challenge=challenge)
    if result is None and row.type in HOT:
        result = await settle_totp(rt, uid, [row], pass_code, meta=meta)
    elif result is None:  # Okta's request carries a passCode or an answer: the one the type takes
        given = answer if kind.answer is Answer.SECRET_ANSWER else pass_code
        result = await check(rt, uid, given, answer=kind.answer, factor_id=factor_id, statuses=(ACTIVE,), meta=meta)
    if not result.ok:
        raise result.error


async def remove_factor(conn: AsyncConnection, rt: Runtime, user_id: str, row, meta: RequestMeta | None) -> None:
    """Both dialects remove factors here. Removing the last primary factor also removes its
    companions (the recovery code), which mean nothing alone."""
    await factor_store.delete_factor(conn, row.id)
    remaining = await factor_views(conn, user_id)
    if not any(v.primary and v.status == ACTIVE for v in remaining):
        for companion in authenticators.companions():
            await factor_store.delete_of_type(conn, user_id, companion.type)
    await audit.record(conn, rt.now_ms(), "factor.delete", "SUCCESS", meta=meta, user_id=user_id,
                       factor_id=row.id, detail={"type": row.type})


async def delete(rt: Runtime, user_id: str, factor_id: str, meta: RequestMeta | None = None) -> None:
    async with rt.db.transaction() as conn:
        user_id = (await _user(conn, user_id)).id
        await remove_factor(conn, rt, user_id, await _factor_row(conn, user_id, factor_id), meta)


async def reset(rt: Runtime, user_id: str, meta: RequestMeta | None = None) -> None:
    """Okta's reset_factors: every factor goes, recovery codes included."""
    async with rt.db.transaction() as conn:
        user_id = (await _user(conn, user_id)).id
        for row in await factor_store.for_user(conn, user_id):
            await factor_store.delete_factor(conn, row.id)
        await audit.record(conn, rt.now_ms(), "user.mfa.factor.reset_all", "SUCCESS", meta=meta, user_id=user_id)


async def qr_png(rt: Runtime, user_id: str, factor_id: str, token: str) -> bytes:
    """The QR code of a pending factor; NotFound once it is active or expired."""
    async with rt.db.transaction() as conn:
        user = await user_store.by_id(conn, user_id)
        rows = [r for r in await factor_store.for_user(conn, user_id) if r.id == factor_id]
        if user is None or not rows:
            raise NotFound("qrcode")
        info = await _info(conn, rt, rows[0], user.login)
    # A link handed out before a master key rotation stays good while the old key is held.
    if info.activation is None or not any([
            hmac.compare_digest(_qr_token(rt, factor_id, rows[0].created_at, key).encode(), token.encode())
            for key in rt.sealer.derived_keys("qr-link")]):
        raise NotFound("qrcode")
    out = io.BytesIO()
    segno.make(info.activation.key_uri, error="m").save(out, kind="png", scale=6, border=4)
    return out.getvalue()
