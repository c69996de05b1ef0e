"""An administrator regenerates a user's recovery code (R19): the active code, and with it every
earlier one, stops working, and exactly one new code, shown once, takes its place.

Neutral terms: the Auth0 Management API (`POST /api/v2/users/{id}/recovery-code-regeneration`)
and the Admin Console's person page both come here.

Choices: a user without an ACTIVE recovery code (none was issued, e.g. a factor enrolled through
Okta's Factors API, or the association that issued it was never confirmed) is NoRecoveryCode; a
regeneration never creates a factor. The user's status does not matter: an administrator may
prepare a suspended or deactivated user's return, and a code works only once the user may sign
in again (every sign-in path checks the status first)."""
from __future__ import annotations

from .. import authenticators
from ..authenticators.base import ACTIVE, Answer
from ..domain import recovery
from ..domain.errors import Conflict, NoRecoveryCode
from ..store import factors as factor_store
from . import audit, users
from .runtime import RequestMeta, Runtime

EVENT = "factor.recovery_code.regenerate"


def _types() -> tuple[str, ...]:
    return authenticators.answering(Answer.RECOVERY_CODE)


async def has_active(rt: Runtime, user_id: str) -> bool:
    """Whether the user has a recovery code that regeneration would replace."""
    async with rt.db.transaction() as conn:
        return bool(await factor_store.for_user(conn, user_id, types=_types(), statuses=(ACTIVE,)))


async def regenerate(rt: Runtime, user_ref: str, meta: RequestMeta | None = None, *, client_id: str | None = None,
                     detail: dict | None = None) -> str:
    """The new code (only its hash is kept). `user_ref`: an id or a login; NotFound for no such
    user, NoRecoveryCode without an active code. `client_id`, `detail`: who called, for the
    audit row (never the code: R68)."""
    async with rt.db.transaction() as conn:
        # The user's row lock (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises anyway) orders
        # this after, or before, any verification of the user, which takes the same lock.
        user = await users.resolve_or_404(conn, user_ref, lock=True)
        rows = await factor_store.for_user(conn, user.id, types=_types(), statuses=(ACTIVE,))
        if not rows:
            raise NoRecoveryCode(user.id)
        row = rows[0]
        code = recovery.generate()
        now = rt.now_ms()
        # Compare-and-set on the hash read above: a code is returned only if it replaced exactly
        # the code this transaction saw (R13, R17), so two regenerations can never both return a
        # working code, and a use or reset that got there first is never overwritten.
        if not await factor_store.swap_secret_hash(conn, row.id, row.secret_hash, recovery.code_hash(user.id, code),
                                                   now):
            raise Conflict("recovery_code", "The recovery code changed meanwhile. Try again.")
        await audit.record(conn, now, EVENT, "SUCCESS", meta=meta, user_id=user.id, client_id=client_id,
                           factor_id=row.id, detail=detail)
    return code
