"""Queries of the Admin Console: administrator roles and browser sessions. Every change of a
session is one compare-and-set statement on its token hash."""
from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import admin_roles, authenticators, authorization_servers, clients, console_sessions, users


async def roles_of(conn: AsyncConnection, user_id: str) -> set[str]:
    rows = (await conn.execute(select(admin_roles.c.role).where(admin_roles.c.user_id == user_id))).all()
    return {r.role for r in rows}


async def grant_role(conn: AsyncConnection, user_id: str, role: str, now: int) -> bool:
    """True if granted now, False if already held (the primary key decides, also when two
    grants race)."""
    try:
        async with conn.begin_nested():
            await conn.execute(insert(admin_roles).values(user_id=user_id, role=role, created_at=now))
    except IntegrityError:
        return False
    return True


async def any_admin(conn: AsyncConnection) -> bool:
    return (await conn.execute(select(admin_roles.c.user_id).limit(1))).first() is not None


async def insert_session(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(console_sessions).values(**values))


async def live_session(conn: AsyncConnection, token_hash: bytes, now: int, idle_ms: int):
    """The session and its user, if neither expired nor idle too long."""
    q = (select(console_sessions, users.c.login, users.c.status.label("user_status"),
                users.c.first_name, users.c.last_name)
         .join(users, users.c.id == console_sessions.c.user_id)
         .where(console_sessions.c.token_hash == token_hash, console_sessions.c.expires_at > now,
                console_sessions.c.last_seen_at > now - idle_ms))
    return (await conn.execute(q)).first()


async def touch(conn: AsyncConnection, session_id: str, now: int) -> None:
    await conn.execute(update(console_sessions).where(console_sessions.c.id == session_id).values(last_seen_at=now))


# Half signed in: the password given; `answered`: also the security question of an administrator
# whose only usable factor it is, who may now bind an authenticator app (R35).
HALF_SIGNED_IN = ("password", "answered")


async def mark_answered(conn: AsyncConnection, token_hash: bytes, now: int) -> bool:
    """password → answered; one winner."""
    result = await conn.execute(
        update(console_sessions)
        .where(console_sessions.c.token_hash == token_hash, console_sessions.c.stage == "password",
               console_sessions.c.expires_at > now)
        .values(stage="answered", last_seen_at=now))
    return result.rowcount == 1


async def promote(conn: AsyncConnection, old_hash: bytes, new_hash: bytes, now: int, expires_at: int) -> bool:
    """Half signed in → full, under a new token (no session fixation); one winner."""
    result = await conn.execute(
        update(console_sessions)
        .where(console_sessions.c.token_hash == old_hash, console_sessions.c.stage.in_(HALF_SIGNED_IN),
               console_sessions.c.expires_at > now)
        .values(token_hash=new_hash, stage="full", expires_at=expires_at, last_seen_at=now))
    return result.rowcount == 1


async def end(conn: AsyncConnection, token_hash: bytes) -> str | None:
    """Delete the session; its user if this call ended it (one of two parallel sign-outs)."""
    stmt = (delete(console_sessions).where(console_sessions.c.token_hash == token_hash)
            .returning(console_sessions.c.user_id))
    row = (await conn.execute(stmt)).first()
    return row.user_id if row else None


async def purge_expired(conn: AsyncConnection, now: int) -> None:
    await conn.execute(delete(console_sessions).where(console_sessions.c.expires_at <= now))


async def counts(conn: AsyncConnection) -> dict[str, int]:
    """The dashboard's figures."""
    async def count(q) -> int:
        return (await conn.execute(q)).scalar_one()

    return {
        "users": await count(select(func.count()).select_from(users)),
        "apps": await count(select(func.count()).select_from(clients)),
        "authenticators": await count(select(func.count()).select_from(authenticators)
                                      .where(authenticators.c.status == "ACTIVE")),
        "servers": await count(select(func.count()).select_from(authorization_servers)),
    }
