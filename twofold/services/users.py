"""Users: creation (Okta Users API shape) in a realm, look-ups, search and profile updates.
Status changes (activate, suspend, delete, …) live in services.user_lifecycle."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from ..domain import ids
from ..domain.errors import Conflict, NotFound, UnknownRealm, ValidationFailed
from ..store import users as user_store
from ..store.rows import is_unique_violation
from . import audit
from .bootstrap import DEFAULT_REALM
from .runtime import RequestMeta, Runtime

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CORE_PROFILE = ("login", "email", "firstName", "lastName", "mobilePhone")
MIN_PASSWORD, MAX_PASSWORD = 8, 256


def login_key(login: str) -> str:
    return login.strip().casefold()


def throttle_key(realm_id: str, key: str) -> str:
    """The password-throttle row of a login name in a realm (services.login counts under it)."""
    return f"{realm_id}:{key}"


@dataclass
class NewUser:
    profile: dict
    password: str | None
    activate: bool
    realm: str | None = None


def _validate(new: NewUser) -> list[tuple[str, str]]:
    causes: list[tuple[str, str]] = []
    p = new.profile
    for field in ("login", "email", "firstName", "lastName"):
        value = p.get(field)
        if not isinstance(value, str) or not value.strip():
            causes.append((field, f"{field}: The field cannot be left blank"))
        elif len(value) > 320:
            causes.append((field, f"{field}: The field is too long"))
    if isinstance(p.get("email"), str) and p["email"].strip() and not _EMAIL.match(p["email"]):
        causes.append(("email", "email: Does not match required pattern"))
    mobile = p.get("mobilePhone")
    if mobile is not None and (not isinstance(mobile, str) or len(mobile) > 100):
        causes.append(("mobilePhone", "mobilePhone: Does not match required pattern"))
    for k, v in p.items():
        if k not in CORE_PROFILE and not isinstance(v, (str, int, float, bool, type(None), list)):
            causes.append((k, f"{k}: Property has an unsupported type"))
    if new.password is not None:
        causes += _password_causes(new.password)
    return causes


def _password_causes(password) -> list[tuple[str, str]]:
    if not isinstance(password, str) or not (MIN_PASSWORD <= len(password) <= MAX_PASSWORD):
        return [("password", "password: Password requirements were not met. "
                             f"Password requirements: at least {MIN_PASSWORD} characters.")]
    return []


async def create(rt: Runtime, new: NewUser, meta: RequestMeta | None = None):
    causes = _validate(new)
    if causes:
        raise ValidationFailed("User", causes)
    password_hash = await rt.passwords.hash(new.password) if new.password else None
    now = rt.now_ms()
    p = new.profile
    status = "ACTIVE" if (new.activate and password_hash) else ("PROVISIONED" if new.activate else "STAGED")
    extra = {k: v for k, v in p.items() if k not in CORE_PROFILE}
    user_id = ids.okta_id("00u")
    async with rt.db.transaction() as conn:
        realm = await user_store.realm_by_name(conn, new.realm or DEFAULT_REALM)
        if realm is None:
            raise UnknownRealm(new.realm or DEFAULT_REALM)
        try:
            async with conn.begin_nested():
                await user_store.insert_user(
                    conn, id=user_id, realm_id=realm.id, login=p["login"].strip(), login_key=login_key(p["login"]),
                    email=p["email"].strip(), first_name=p["firstName"], last_name=p["lastName"],
                    mobile_phone=p.get("mobilePhone"), profile_extra=json.dumps(extra) if extra else None,
                    password_hash=password_hash, status=status, created_at=now,
                    activated_at=now if status != "STAGED" else None,
                    status_changed_at=now if status != "STAGED" else None,
                    last_updated_at=now, password_changed_at=now if password_hash else None,
                )
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise _duplicate_login() from exc
            raise
        await audit.record(conn, now, "user.lifecycle.create", "SUCCESS", meta=meta, user_id=user_id,
                           detail={"status": status})
        return await user_store.by_id(conn, user_id)


def _duplicate_login() -> Conflict:
    return Conflict("login", "login: An object with this field already exists in the current organization")


async def resolve(conn, id_or_login: str, *, lock: bool = False):
    """Inside a transaction: the user named by id or by login (Okta paths accept both), or None."""
    if not id_or_login or len(id_or_login) > 320:
        return None
    return await user_store.lookup(conn, id_or_login, login_key(id_or_login), lock=lock)


async def resolve_or_404(conn, id_or_login: str, *, lock: bool = False):
    row = await resolve(conn, id_or_login, lock=lock)
    if row is None:
        raise NotFound(f"{id_or_login} (User)")
    return row


async def find(rt: Runtime, id_or_login: str):
    """A user by id, or by login (Okta paths accept both)."""
    async with rt.db.transaction() as conn:
        return await resolve(conn, id_or_login)


async def get(rt: Runtime, id_or_login: str):
    """Like find, but an unknown user is NotFound."""
    async with rt.db.transaction() as conn:
        return await resolve_or_404(conn, id_or_login)


# --- search ---------------------------------------------------------------------------------

SEARCH_FIELDS = ("id", "status", "created", "last_updated", "login", "email", "first_name", "last_name")


def _normalise(node):
    """Logins compare by their folded key, so `login eq` uses the unique index."""
    if node[0] in ("and", "or"):
        return (node[0], [_normalise(child) for child in node[1]])
    _, field, op, value = node
    if field not in SEARCH_FIELDS:
        raise ValueError(f"unknown field {field!r}")
    if field == "login" and op == "eq":
        return ("cmp", "login_key", "eq", login_key(value))
    return node


async def search(rt: Runtime, *, q: str | None = None, where=None, after: str | None = None,
                 limit: int = 200) -> tuple[list, bool]:
    """One page of users ordered by id and whether more may follow. `q` is a case-insensitive
    prefix of first name, last name, email or login; `where` a condition tree of
    ("and"|"or", [nodes]) and ("cmp", field, op, value) with field in SEARCH_FIELDS, op in
    eq, sw (text) and gt, ge, lt, le (times, epoch ms)."""
    where = _normalise(where) if where is not None else None
    async with rt.db.transaction() as conn:
        return await user_store.search(conn, q=(q or "").strip() or None, where=where, after=after, limit=limit)


async def lockouts(rt: Runtime, rows) -> dict[str, tuple[str, ...]]:
    """Which of these users are locked out now, and by what: "mfa" (the per-user factor failure
    counter) and "password" (the sign-in throttle of the login). The counters' own rules: at the
    limit and the last counted attempt younger than the cooldown."""
    s, now = rt.settings, rt.now_ms()
    keys = {r.id: throttle_key(r.realm_id, r.login_key) for r in rows}
    async with rt.db.transaction() as conn:
        throttled = await user_store.password_locked_keys(conn, list(keys.values()), s.password_max_failures,
                                                          now - s.password_lockout_seconds * 1000)
    out: dict[str, tuple[str, ...]] = {}
    for r in rows:
        mfa = r.mfa_failures >= s.mfa_max_failures and (r.mfa_last_attempt_at or 0) > now - s.mfa_lockout_seconds * 1000
        reasons = (("mfa",) if mfa else ()) + (("password",) if keys[r.id] in throttled else ())
        if reasons:
            out[r.id] = reasons
    return out


# --- profile and password updates --------------------------------------------------------------

def _columns(profile: dict) -> dict:
    extra = {k: v for k, v in profile.items() if k not in CORE_PROFILE and v is not None}
    return {
        "login": profile["login"].strip(), "login_key": login_key(profile["login"]),
        "email": profile["email"].strip(), "first_name": profile["firstName"], "last_name": profile["lastName"],
        "mobile_phone": profile.get("mobilePhone"), "profile_extra": json.dumps(extra) if extra else None,
    }


async def update(rt: Runtime, id_or_login: str, *, profile: dict | None, password: str | None,
                 replace: bool, meta: RequestMeta | None = None):
    """Okta's partial update (POST: only the given profile attributes change; null clears one)
    or full replace (PUT: the profile is exactly the one given). A password in the body sets a
    new password. One transaction; the row is locked while the profile is merged."""
    if profile is None and (replace or password is None):
        raise ValidationFailed("User", [("profile", "profile: The field cannot be left blank")])
    if password is not None:
        causes = _password_causes(password)
        if causes:
            raise ValidationFailed("User", causes)
    # Hash before the transaction: argon2 is slow and must not hold the write lock.
    password_hash = await rt.passwords.hash(password) if password is not None else None
    async with rt.db.transaction() as conn:
        row = await resolve_or_404(conn, id_or_login, lock=True)
        now = rt.now_ms()
        values: dict = {"last_updated_at": now}
        events = []
        if profile is not None:
            merged = dict(profile) if replace else {**profile_of(row), **profile}
            causes = _validate(NewUser(profile=merged, password=None, activate=False))
            if causes:
                raise ValidationFailed("User", causes)
            values.update(_columns(merged))
            events.append(("user.account.update_profile", {"attributes": sorted(profile)[:50], "replace": replace}))
        if password_hash is not None:
            values.update(password_hash=password_hash, password_changed_at=now)
            events.append(("user.account.update_password", None))
        try:
            async with conn.begin_nested():
                await user_store.update_user(conn, row.id, **values)
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise _duplicate_login() from exc
            raise
        for event_type, detail in events:
            await audit.record(conn, now, event_type, "SUCCESS", meta=meta, user_id=row.id, detail=detail)
        return await user_store.by_id(conn, row.id)


def profile_of(row) -> dict:
    profile = {
        "firstName": row.first_name, "lastName": row.last_name, "mobilePhone": row.mobile_phone,
        "secondEmail": None, "login": row.login, "email": row.email,
    }
    if row.profile_extra:
        profile.update(json.loads(row.profile_extra))
    return profile
