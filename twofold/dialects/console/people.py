"""Directory › People: search the users, open one, see its factors and lockouts, and act as
Okta's Admin Console does (Reset factors, Unlock, Suspend, Deactivate, …) through the same
services as the Okta Users and Factors APIs; and regenerate a recovery code (the Auth0
Management API's service)."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.responses import Response

from ... import authenticators
from ...domain.errors import NoRecoveryCode, NotFound, UserStatus
from ...services import destinations, factors, recovery_codes, user_lifecycle, users
from .web import PREFIX, Console, console_page, notice, page_number, redirect, when

router = APIRouter()
BASE = PREFIX + "/directory/people"
PAGE, MAX_PAGE = 25, 200

RESET = notice("people-factors-reset", "All factors were reset: none remain, and the person can enroll again.")
UNLOCKED = notice("people-unlocked", "The person was unlocked: password and MFA attempts start counting again.")
LIFECYCLE = {  # operation: (service, notice key); which apply to a status, the service says
    "activate": (user_lifecycle.activate, notice("people-activated", "The person was activated.")),
    "suspend": (user_lifecycle.suspend,
                notice("people-suspended", "The person was suspended: sign-in is refused until unsuspended.")),
    "unsuspend": (user_lifecycle.unsuspend, notice("people-unsuspended", "The person was unsuspended.")),
    "deactivate": (user_lifecycle.deactivate, notice("people-deactivated", "The person was deactivated.")),
}
# Okta's names for the factor kinds (type, provider) its console lists.
LOCK_REASONS = {"mfa": "too many failed MFA codes", "password": "too many failed passwords"}


def _name(row) -> str:
    return " ".join(p for p in (row.first_name, row.last_name) if p) or row.login


def _person(row, lock: tuple[str, ...] = ()) -> dict:
    return {"id": row.id, "name": _name(row), "login": row.login, "email": row.email,
            "first_name": row.first_name, "last_name": row.last_name, "mobile_phone": row.mobile_phone,
            "status": row.status, "created": when(row.created_at), "activated": when(row.activated_at),
            "last_login": when(row.last_login_at), "password_changed": when(row.password_changed_at),
            "locked": [LOCK_REASONS[r] for r in lock]}


# --- the list -------------------------------------------------------------------------------------

@router.get(BASE)
@console_page("people")
async def list_people(c: Console) -> Response:
    """Okta's People list: `q` is a prefix of first name, last name, email or login; pages
    follow id order, the next one after the last id shown (a cursor, as the Users API's `after`)."""
    q = c.request.query_params.get("q", "").strip()[:320]
    after = c.request.query_params.get("after", "")[:64] or None
    limit = max(1, min(page_number(c.request.query_params.get("limit"), PAGE), MAX_PAGE))
    rows, more = await users.search(c.rt, q=q or None, after=after, limit=limit)
    locks = await users.lockouts(c.rt, rows)
    params = {k: v for k, v in (("q", q), ("limit", str(limit) if limit != PAGE else "")) if v}
    next_url = f"{BASE}?{urlencode({**params, 'after': rows[-1].id})}" if more and rows else None
    first_url = f"{BASE}?{urlencode(params)}" if after else None
    return c.page("people.html", section="people", title="People", q=q,
                  people=[_person(r, locks.get(r.id, ())) for r in rows], next_url=next_url, first_url=first_url)


# --- one person -----------------------------------------------------------------------------------

def _factor(info, now: int, revealed: dict[str, str]) -> dict:
    """A factor as listed: its phone number or address masked, in full only once the
    administrator asked for it (`revealed`: factor id → value)."""
    v = info.view
    status = v.status
    if status == "PENDING_ACTIVATION" and (v.activation_expires_at or 0) <= now:
        status = "EXPIRED"  # as the Factors API shows it
    kind = authenticators.get(v.type)
    return {"id": v.id, "name": kind.display_name(v.provider), "type": v.okta_factor_type, "provider": v.provider,
            "status": status, "enrolled": when(v.created_at), "masked": kind.masked(v) if kind.channel else None,
            "revealed": revealed.get(v.id)}


async def _person_page(c: Console, user_id: str, refused=None, new_recovery_code: str | None = None,
                       revealed: dict[str, str] | None = None) -> Response:
    row = await users.get(c.rt, user_id)
    locks = await users.lockouts(c.rt, [row])
    now = c.rt.now_ms()
    person = _person(row, locks.get(row.id, ()))
    ctx = dict(section="people", title=person["name"], person=person,
               factors=[_factor(i, now, revealed or {}) for i in await factors.list_factors(c.rt, row.id)],
               operations=[op for op in user_lifecycle.available(row.status) if op in LIFECYCLE],
               has_recovery_code=await recovery_codes.has_active(c.rt, row.id), new_recovery_code=new_recovery_code)
    if refused is not None:
        return c.failure(refused, "people_person.html", **ctx)
    return c.page("people_person.html", **ctx)


@router.get(BASE + "/{user_id}")
@console_page("people")
async def show_person(c: Console, user_id: str) -> Response:
    return await _person_page(c, user_id)


@router.post(BASE + "/{user_id}/factors/{factor_id}/reveal")
@console_page("people")
async def reveal(c: Console, user_id: str, factor_id: str) -> Response:
    """Show: the full number or address in this page's answer (never in a URL), audited."""
    row = await users.get(c.rt, user_id)
    value = await destinations.reveal(c.rt, row.id, factor_id, c.meta)
    return await _person_page(c, row.id, revealed={factor_id: value})


@router.post(BASE + "/{user_id}/reset-factors")
@console_page("people")
async def reset_factors(c: Console, user_id: str) -> Response:
    """Okta's "Reset all factors": every factor goes, recovery codes included."""
    row = await users.get(c.rt, user_id)
    await factors.reset(c.rt, row.id, c.meta)
    return redirect(f"{BASE}/{row.id}?done={RESET}")


@router.post(BASE + "/{user_id}/recovery-code")
@console_page("people")
async def regenerate_recovery_code(c: Console, user_id: str) -> Response:
    """A new recovery code replaces the person's current one at once. It is shown in this
    response only (never in a URL, never logged; the page says no-store)."""
    row = await users.get(c.rt, user_id)
    try:
        code = await recovery_codes.regenerate(c.rt, row.id, c.meta)
    except NoRecoveryCode as exc:  # none (any more): the page as it is now, with why
        return await _person_page(c, row.id, refused=exc)
    return await _person_page(c, row.id, new_recovery_code=code)


@router.post(BASE + "/{user_id}/unlock")
@console_page("people")
async def unlock(c: Console, user_id: str) -> Response:
    """Clears the password throttle and the MFA failure counter (the Users API's unlock)."""
    row = await users.get(c.rt, user_id)
    await user_lifecycle.unlock(c.rt, row.id, c.meta)
    return redirect(f"{BASE}/{row.id}?done={UNLOCKED}")


@router.post(BASE + "/{user_id}/lifecycle/{operation}")
@console_page("people")
async def lifecycle(c: Console, user_id: str, operation: str) -> Response:
    if operation not in LIFECYCLE:
        raise NotFound(f"{operation[:64]} (Lifecycle operation)")
    run, done = LIFECYCLE[operation]
    row = await users.get(c.rt, user_id)
    try:
        await run(c.rt, row.id, c.meta)
    except UserStatus as exc:  # the status changed meanwhile: show the page as it is now, with why
        return await _person_page(c, row.id, refused=exc)
    return redirect(f"{BASE}/{row.id}?done={done}")
