"""Users: creation (Okta Users API shape) in a realm, lookups."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from ..domain import ids
from ..domain.errors import Conflict, UnknownRealm, ValidationFailed
from ..store import users as user_store
from ..store.rows import is_unique_violation
from .bootstrap import DEFAULT_REALM
from .runtime import Runtime

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CORE_PROFILE = ("login", "email", "firstName", "lastName", "mobilePhone")
MIN_PASSWORD, MAX_PASSWORD = 8, 256


def login_key(login: str) -> str:
    return login.strip().casefold()


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
    for k, v in p.items():
        if k not in CORE_PROFILE and not isinstance(v, (str, int, float, bool, type(None), list)):
            causes.append((k, f"{k}: Property has an unsupported type"))
    if new.password is not None:
        if not isinstance(new.password, str) or not (MIN_PASSWORD <= len(new.password) <= MAX_PASSWORD):
            causes.append(("password", f"password: Password requirements were not met. Password requirements: at least {MIN_PASSWORD} characters."))
    return causes


async def create(rt: Runtime, new: NewUser):
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
                raise Conflict("login", "login: An object with this field already exists in the current organization") from exc
            raise
        return await user_store.by_id(conn, user_id)


async def find(rt: Runtime, id_or_login: str):
    """A user by id, or by login (Okta paths accept both)."""
    if not id_or_login or len(id_or_login) > 320:
        return None
    async with rt.db.transaction() as conn:
        row = await user_store.by_id(conn, id_or_login)
        if row is None:
            row = await user_store.by_login_any_realm(conn, login_key(id_or_login))
        return row


def profile_of(row) -> dict:
    profile = {
        "firstName": row.first_name, "lastName": row.last_name, "mobilePhone": row.mobile_phone,
        "secondEmail": None, "login": row.login, "email": row.email,
    }
    if row.profile_extra:
        profile.update(json.loads(row.profile_extra))
    return profile
