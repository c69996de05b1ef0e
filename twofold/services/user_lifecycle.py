"""User lifecycle (Okta Users API): activate, deactivate, suspend, unsuspend, unlock, delete.

Each operation is one transaction whose status change is one compare-and-set UPDATE
(`… WHERE id = :id AND status IN (:allowed)`), never read-check-write; only when it matches no
row is the status read, to say why."""
from __future__ import annotations

from ..domain.errors import DomainError, NotFound, UserStatus
from ..store import throttle
from ..store import users as user_store
from . import audit
from .runtime import RequestMeta, Runtime
from .users import resolve_or_404, throttle_key

STATUSES = ("STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED",
            "DEPROVISIONED")
NOT_DEPROVISIONED = tuple(s for s in STATUSES if s != "DEPROVISIONED")
# The statuses each status-changing operation starts from (the CAS conditions below).
ALLOWED_FROM = {
    "activate": ("STAGED", "PROVISIONED", "DEPROVISIONED"),
    "suspend": ("ACTIVE",),
    "unsuspend": ("SUSPENDED",),
    "deactivate": NOT_DEPROVISIONED,
}


def available(status: str) -> list[str]:
    """The status-changing operations a user in `status` can undergo now."""
    return [op for op, allowed in ALLOWED_FROM.items() if status in allowed]


async def _refused(conn, user_id: str, operation: str, message: str) -> DomainError:
    status = await user_store.status_of(conn, user_id)
    if status is None:  # deleted meanwhile
        return NotFound(f"{user_id} (User)")
    return UserStatus(operation, status, message)


async def activate(rt: Runtime, id_or_login: str, meta: RequestMeta | None = None) -> str:
    """Okta: STAGED, PROVISIONED or DEPROVISIONED users become ACTIVE when they have a password,
    else PROVISIONED. Returns the new status."""
    async with rt.db.transaction() as conn:
        user = await resolve_or_404(conn, id_or_login)
        now = rt.now_ms()
        status = await user_store.activate(conn, user.id, ALLOWED_FROM["activate"], now)
        if status is None:
            raise await _refused(conn, user.id, "activate",
                                 "Activation failed because the user is not in a state that allows activation.")
        await audit.record(conn, now, "user.lifecycle.activate", "SUCCESS", meta=meta, user_id=user.id,
                           detail={"status": status})
        return status


async def _transition(rt: Runtime, id_or_login: str, operation: str, allowed: tuple[str, ...], new_status: str,
                      message: str, meta: RequestMeta | None) -> None:
    async with rt.db.transaction() as conn:
        user = await resolve_or_404(conn, id_or_login)
        now = rt.now_ms()
        if not await user_store.transition(conn, user.id, allowed, new_status, now):
            raise await _refused(conn, user.id, operation, message)
        await audit.record(conn, now, f"user.lifecycle.{operation}", "SUCCESS", meta=meta, user_id=user.id,
                           detail={"status": new_status})


async def deactivate(rt: Runtime, id_or_login: str, meta: RequestMeta | None = None) -> None:
    """Any status but DEPROVISIONED becomes DEPROVISIONED. Sign-in, MFA and refresh already
    refuse users who are not ACTIVE."""
    await _transition(rt, id_or_login, "deactivate", ALLOWED_FROM["deactivate"], "DEPROVISIONED",
                      "The user is already deactivated.", meta)


async def suspend(rt: Runtime, id_or_login: str, meta: RequestMeta | None = None) -> None:
    await _transition(rt, id_or_login, "suspend", ALLOWED_FROM["suspend"], "SUSPENDED",
                      "Only an active user can be suspended.", meta)


async def unsuspend(rt: Runtime, id_or_login: str, meta: RequestMeta | None = None) -> None:
    await _transition(rt, id_or_login, "unsuspend", ALLOWED_FROM["unsuspend"], "ACTIVE",
                      "Only a suspended user can be unsuspended.", meta)


async def unlock(rt: Runtime, id_or_login: str, meta: RequestMeta | None = None) -> None:
    """Clears every lockout in one transaction: the password throttle of the user's login in
    its realm and the per-user failure counters, MFA and OTP grant (R29, R34)."""
    async with rt.db.transaction() as conn:
        user = await resolve_or_404(conn, id_or_login)
        await throttle.clear(conn, throttle_key(user.realm_id, user.login_key))
        for counter in user_store.COUNTERS:
            await user_store.reset_failures(conn, counter, user.id)
        await audit.record(conn, rt.now_ms(), "user.account.unlock", "SUCCESS", meta=meta, user_id=user.id)


async def delete(rt: Runtime, id_or_login: str, meta: RequestMeta | None = None) -> str:
    """Okta's DELETE /users/{id}: the first call deactivates, a call on a DEPROVISIONED user
    deletes it (factors, MFA transactions and refresh tokens go by ON DELETE CASCADE).
    Returns "deactivated" or "deleted"."""
    async with rt.db.transaction() as conn:
        user = await resolve_or_404(conn, id_or_login)
        now = rt.now_ms()
        if await user_store.transition(conn, user.id, NOT_DEPROVISIONED, "DEPROVISIONED", now):
            await audit.record(conn, now, "user.lifecycle.deactivate", "SUCCESS", meta=meta, user_id=user.id,
                               detail={"status": "DEPROVISIONED"})
            return "deactivated"
        if await user_store.delete_if_status(conn, user.id, "DEPROVISIONED"):
            await audit.record(conn, now, "user.lifecycle.delete.completed", "SUCCESS", meta=meta, user_id=user.id)
            return "deleted"
        raise NotFound(f"{id_or_login} (User)")  # pragma: no cover - gone between the two statements
