"""Associating (enrolling) authenticators, listing and removing them (Auth0's MFA API)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import authenticators
from ..authenticators.base import ACTIVE, EnrollRequest, FactorType, FactorView
from ..domain import policy
from ..domain.errors import AlreadyEnrolled, InsufficientScope, NotFound, SecondFactorRequired
from ..store import factors as factor_store
from ..store import users as user_store
from . import audit, oob, org_authenticators
from .enroll_confirm import binding
from .factors import supersede_pending
from .mfa import Principal, factor_views, principal_from_bearer
from .runtime import RequestMeta, Runtime
from .tokens import require_scope


@dataclass(frozen=True)
class Association:
    """A new pending factor, what it shows once (its secret, its key URI), the companions
    issued with it (each type with the secret it shows once) and, for a type that sends a code,
    the first code's challenge (its `oob_code` is how the confirmation names it)."""
    kind: FactorType
    secret: str | None
    key_uri: str | None
    companions: list[tuple[FactorType, str]] = field(default_factory=list)
    sent: oob.Sent | None = None


def _second_factor_proven(principal: Principal) -> bool:
    """An mfa_token issued after a second factor (an enrollment the policy requires), or an
    MFA-API token earned with one (its `amr` says so)."""
    if principal.transaction is not None:
        return policy.proven(principal.transaction.amr or "")
    return principal.access is not None and policy.proven(principal.access.claims.get("amr"))


def _require_power_over(principal: Principal, factors: list[FactorView]) -> None:
    """R38: an MFA-API token earned without a second factor has no power over factors that
    exist (it may have been minted before the user enrolled)."""
    if principal.access is not None and policy.enrolled(factors) and not _second_factor_proven(principal):
        raise SecondFactorRequired()


async def associate_otp(rt: Runtime, bearer: str | None, meta: RequestMeta | None = None) -> Association:
    """Auth0 /mfa/associate for an authenticator app."""
    return await associate(rt, bearer, authenticators.auth0_associable()["otp"], meta)


async def associate(rt: Runtime, bearer: str | None, kind: FactorType, meta: RequestMeta | None = None,
                    profile: dict | None = None) -> Association:
    """Auth0 /mfa/associate of any associable type (`profile`: what the type's `validate`
    checks, e.g. the number a code is sent to). A user with any active factor, of any type and
    usable or not, binds another only after a second factor: an mfa_token or MFA-API token
    (`enroll`) that records one (R35, R36); a user without a factor, with either. A type that
    sends a code sends its first one, bound to the bearer (R21): the mfa_token's transaction, or
    the access token (enroll_confirm.binding), which then confirms it in place of an mfa_token."""
    provider = kind.auth0_provider or ""
    profile = kind.validate(profile or {})
    async with rt.db.transaction() as conn:
        principal = await principal_from_bearer(conn, rt, bearer)
        # The user's row lock serialises parallel associations (PostgreSQL; SQLite's BEGIN
        # IMMEDIATE already does): two could otherwise each keep a pending factor and code.
        user = await user_store.lookup(conn, principal.user_id, principal.user_id, lock=True)
        # Every factor counts, also one the policy disallows now (it still exists: R35).
        views = await factor_views(conn, principal.user_id)
        if principal.access is not None:
            require_scope(principal.access, "enroll")
        if not policy.may_bind(views, _second_factor_proven(principal)):
            raise AlreadyEnrolled()
        if any(v.type == kind.type and v.provider == provider and v.status == ACTIVE for v in views):
            raise AlreadyEnrolled()
        if user is None or user.status != ACTIVE:
            raise NotFound("user")
        settings = await org_authenticators.require_enrollable(conn, kind.authenticator_key(provider), kind.type)
        now = rt.now_ms()
        request = EnrollRequest(user_id=user.id, login=user.login, provider=provider, now=now,
                                activation_expires_at=now + rt.settings.factor_activation_ttl * 1000,
                                settings=settings, profile=profile, issuer=rt.settings.otp_issuer)
        enrollment = kind.enroll(rt.sealer, request)
        await supersede_pending(conn, user.id, kind, provider)
        await factor_store.insert_factor(conn, **enrollment.values)
        companions: list[tuple[FactorType, str]] = []
        # Companions (recovery codes) come with the first association only: while none is active.
        for companion in authenticators.companions():
            if not any(v.type == companion.type and v.status == ACTIVE for v in views):
                code = companion.enroll(rt.sealer, request)
                await factor_store.insert_factor(conn, **code.values)
                companions.append((companion, code.shown_secret))
        await audit.record(conn, now, "factor.enroll", "SUCCESS", meta=meta, user_id=user.id,
                           factor_id=enrollment.values["id"], detail={"type": kind.type})
        view = kind.describe(await factor_store.by_id(conn, enrollment.values["id"])) if kind.channel else None
    sent = None
    if view is not None:  # its first code, to confirm it (R37); sent with no transaction held
        client_id = principal.transaction.client_id if principal.transaction else principal.access.client_id
        sent = await oob.send_code(rt, view, txn_id=binding(principal.transaction, principal.access), meta=meta,
                                   client_id=client_id)
    return Association(kind, enrollment.shown_secret or None, enrollment.key_uri, companions, sent)


async def list_for(rt: Runtime, bearer: str | None) -> list[FactorView]:
    async with rt.db.transaction() as conn:
        principal = await principal_from_bearer(conn, rt, bearer)
        views = await factor_views(conn, principal.user_id)
        if principal.access is not None:
            require_scope(principal.access, "read:authenticators")
            _require_power_over(principal, views)
        return [v for v in views if v.auth0_visible]


async def remove(rt: Runtime, bearer: str | None, auth0_id: str, meta: RequestMeta | None = None) -> None:
    """Needs `remove:authenticators` in a token earned with a second factor (R38)."""
    from .factors import remove_factor

    async with rt.db.transaction() as conn:
        principal: Principal = await principal_from_bearer(conn, rt, bearer)
        if principal.access is None:
            raise InsufficientScope("remove:authenticators")
        require_scope(principal.access, "remove:authenticators")
        _require_power_over(principal, await factor_views(conn, principal.user_id))
        kind, _, device = auth0_id.partition("|")
        row = await factor_store.by_device_id(conn, principal.user_id, device) if device else None
        found = authenticators.get(row.type) if row is not None else None
        if found is None or found.auth0_kind != kind or not found.auth0_visible:
            raise NotFound("authenticator")
        await remove_factor(conn, rt, principal.user_id, row, meta)
