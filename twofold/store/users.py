"""Queries on users, realms and the per-user MFA failure counter; the Users API's search,
updates and compare-and-set status transitions."""
from __future__ import annotations

from sqlalchemy import bindparam, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Executor, run
from .tables import password_throttle, realms, users


_REALM_BY_NAME = select(realms).where(realms.c.name == bindparam("name"))


async def realm_by_name(executor: Executor, name: str):
    rows = await run(executor, _REALM_BY_NAME, {"name": name})
    return rows[0] if rows else None


async def insert_realm(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(realms).values(**values))


async def insert_user(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(users).values(**values))


async def by_id(conn: AsyncConnection, user_id: str):
    return (await conn.execute(_BY_ID, {"user_id": user_id})).first()


_BY_LOGIN = select(users).where(users.c.realm_id == bindparam("realm"), users.c.login_key == bindparam("key"))


async def by_login(executor: Executor, realm_id: str, login_key: str):
    """The sign-in path reads it outside a transaction, before it hashes."""
    rows = await run(executor, _BY_LOGIN, {"realm": realm_id, "key": login_key})
    return rows[0] if rows else None


async def by_login_any_realm(conn: AsyncConnection, login_key: str):
    q = select(users).where(users.c.login_key == login_key).order_by(users.c.created_at)
    return (await conn.execute(q)).first()


_RECORD_LOGIN = update(users).where(users.c.id == bindparam("uid")).values(last_login_at=bindparam("at"))
# A rehash replaces the hash it was computed from and nothing else: a password changed by an
# administrator while the old one was being verified stays changed.
_REHASH = (update(users).where(users.c.id == bindparam("uid"), users.c.password_hash == bindparam("old_hash"))
           .values(password_hash=bindparam("new_hash")))


async def record_login(executor: Executor, user_id: str, now: int, rehash: tuple[str, str] | None) -> None:
    """`rehash`: (the hash that verified, its replacement with today's parameters)."""
    await run(executor, _RECORD_LOGIN, {"uid": user_id, "at": now})
    if rehash:
        await run(executor, _REHASH, {"uid": user_id, "old_hash": rehash[0], "new_hash": rehash[1]})


# Per-user failure counters: (failures, time of the last counted attempt). "mfa" is every
# password-gated second-factor check (R30); "otp_grant" is Okta's OTP grant, where a code is
# guessed without a password and so spends a budget of its own (R33).
COUNTERS = {
    "mfa": (users.c.mfa_failures, users.c.mfa_last_attempt_at),
    "otp_grant": (users.c.otp_grant_failures, users.c.otp_grant_last_attempt_at),
}


# Hot-path statements are built once: they memoise their cache key, so executing one costs no
# expression building or compilation.
_RESET = {counter: update(users).where(users.c.id == bindparam("user_id")).values({failures: 0})
          for counter, (failures, _) in COUNTERS.items()}
_BY_ID = select(users).where(users.c.id == bindparam("user_id"))
_BY_ID_LOCKED = _BY_ID.with_for_update()


async def reset_failures(conn: AsyncConnection, counter: str, user_id: str) -> None:
    """An administrator's unlock (a success's reset is one of the settle rules: store.settle)."""
    await conn.execute(_RESET[counter], {"user_id": user_id})


# --- the Users API: look-ups, search, updates and status transitions --------------------------

async def lookup(conn: AsyncConnection, user_id: str, login_key: str, *, lock: bool = False):
    """A user by id, else by login in any realm (the oldest first). `lock` takes the row lock on
    PostgreSQL (SELECT … FOR UPDATE); SQLite's BEGIN IMMEDIATE already serialises writers."""
    row = (await conn.execute(_BY_ID_LOCKED if lock else _BY_ID, {"user_id": user_id})).first()
    if row is not None:
        return row
    q = select(users).where(users.c.login_key == login_key).order_by(users.c.created_at, users.c.id).limit(1)
    if lock:
        q = q.with_for_update()
    return (await conn.execute(q)).first()


_COLUMNS = {
    "id": users.c.id, "status": users.c.status, "created": users.c.created_at,
    "last_updated": users.c.last_updated_at, "login_key": users.c.login_key, "login": users.c.login,
    "email": users.c.email, "first_name": users.c.first_name, "last_name": users.c.last_name,
}
_TEXT = ("login", "email", "first_name", "last_name")
_ORDER = {"gt": "__gt__", "ge": "__ge__", "lt": "__lt__", "le": "__le__"}


def _where(node):
    """A condition tree: ("and", [nodes]) | ("or", [nodes]) | ("cmp", field, op, value).
    Text fields compare case-insensitively; `login_key` is compared as given (already folded)."""
    kind = node[0]
    if kind in ("and", "or"):
        parts = [_where(child) for child in node[1]]
        return and_(*parts) if kind == "and" else or_(*parts)
    if kind != "cmp":
        raise ValueError(f"unknown condition {kind!r}")
    _, field, op, value = node
    col = _COLUMNS[field]
    if op == "sw" and field in _TEXT:
        return col.istartswith(value, autoescape=True)
    if op == "eq":
        return func.lower(col) == func.lower(value) if field in _TEXT else col == value
    if op in _ORDER and field in ("created", "last_updated"):
        return getattr(col, _ORDER[op])(value)
    raise ValueError(f"unsupported comparison {field} {op}")


async def search(conn: AsyncConnection, *, q: str | None, where, after: str | None, limit: int):
    """One page of users ordered by id, after the cursor `after` (the last id of the previous
    page). Fetches limit + 1 rows so the caller knows whether another page follows."""
    stmt = select(users)
    if q:
        stmt = stmt.where(or_(*(c.istartswith(q, autoescape=True) for c in
                                (users.c.first_name, users.c.last_name, users.c.email, users.c.login))))
    if where is not None:
        stmt = stmt.where(_where(where))
    if after:
        stmt = stmt.where(users.c.id > after)
    rows = (await conn.execute(stmt.order_by(users.c.id).limit(limit + 1))).all()
    return rows[:limit], len(rows) > limit


async def update_user(conn: AsyncConnection, user_id: str, **values) -> None:
    await conn.execute(update(users).where(users.c.id == user_id).values(**values))


async def transition(conn: AsyncConnection, user_id: str, allowed: tuple[str, ...], new_status: str,
                     now: int) -> bool:
    """Compare-and-set on the status: one UPDATE that only matches an allowed current status."""
    stmt = (
        update(users)
        .where(users.c.id == user_id, users.c.status.in_(allowed))
        .values(status=new_status, status_changed_at=now, last_updated_at=now)
    )
    return (await conn.execute(stmt)).rowcount == 1


async def activate(conn: AsyncConnection, user_id: str, allowed: tuple[str, ...], now: int) -> str | None:
    """Okta activation as one compare-and-set: ACTIVE with a password, else PROVISIONED.
    Returns the new status, or None when the current status does not allow it."""
    new_status = case((users.c.password_hash.is_not(None), "ACTIVE"), else_="PROVISIONED")
    stmt = (
        update(users)
        .where(users.c.id == user_id, users.c.status.in_(allowed))
        .values(status=new_status, activated_at=now, last_updated_at=now,
                status_changed_at=case((users.c.status != new_status, now), else_=users.c.status_changed_at))
        .returning(users.c.status)
    )
    row = (await conn.execute(stmt)).first()
    return None if row is None else row[0]


async def delete_if_status(conn: AsyncConnection, user_id: str, status: str) -> bool:
    """Delete a user only in the given status; factors, transactions and tokens go by cascade."""
    stmt = delete(users).where(users.c.id == user_id, users.c.status == status)
    return (await conn.execute(stmt)).rowcount == 1


async def status_of(conn: AsyncConnection, user_id: str) -> str | None:
    row = (await conn.execute(select(users.c.status).where(users.c.id == user_id))).first()
    return None if row is None else row[0]


async def password_locked_keys(conn: AsyncConnection, keys: list[str], max_failures: int, cutoff: int) -> set[str]:
    """Which password-throttle keys are locked now: the throttle's own rule (failures at the
    limit, last attempt after the cutoff). Read-only, for the console's People pages."""
    if not keys:
        return set()
    t = password_throttle
    stmt = select(t.c.key).where(t.c.key.in_(keys), t.c.failures >= max_failures, t.c.last_attempt_at > cutoff)
    return {row[0] for row in (await conn.execute(stmt)).all()}
