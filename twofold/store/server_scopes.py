"""Queries on the scopes and claims of custom authorization servers."""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import server_claims, server_scopes


async def scopes_of(conn: AsyncConnection, server_id: str):
    q = select(server_scopes).where(server_scopes.c.server_id == server_id)
    return (await conn.execute(q.order_by(server_scopes.c.created_at, server_scopes.c.name))).all()


async def scope(conn: AsyncConnection, server_id: str, scope_id: str):
    q = select(server_scopes).where(server_scopes.c.server_id == server_id, server_scopes.c.id == scope_id)
    return (await conn.execute(q)).first()


async def insert_scopes(conn: AsyncConnection, rows: list[dict]) -> None:
    if rows:
        await conn.execute(insert(server_scopes), rows)


async def update_scope(conn: AsyncConnection, scope_id: str, **values) -> None:
    await conn.execute(update(server_scopes).where(server_scopes.c.id == scope_id).values(**values))


async def delete_scope(conn: AsyncConnection, scope_id: str) -> None:
    await conn.execute(server_scopes.delete().where(server_scopes.c.id == scope_id))


async def claims_of(conn: AsyncConnection, server_id: str):
    q = select(server_claims).where(server_claims.c.server_id == server_id)
    return (await conn.execute(q.order_by(server_claims.c.created_at, server_claims.c.name))).all()


async def active_claims(conn: AsyncConnection, server_id: str):
    """The claims a token of the server may carry (services.claims picks among them)."""
    q = select(server_claims).where(server_claims.c.server_id == server_id, server_claims.c.status == "ACTIVE")
    return (await conn.execute(q.order_by(server_claims.c.created_at, server_claims.c.name))).all()


async def claim(conn: AsyncConnection, server_id: str, claim_id: str):
    q = select(server_claims).where(server_claims.c.server_id == server_id, server_claims.c.id == claim_id)
    return (await conn.execute(q)).first()


async def insert_claim(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(server_claims).values(**values))


async def update_claim(conn: AsyncConnection, claim_id: str, **values) -> None:
    await conn.execute(update(server_claims).where(server_claims.c.id == claim_id).values(**values))


async def delete_claim(conn: AsyncConnection, claim_id: str) -> None:
    await conn.execute(server_claims.delete().where(server_claims.c.id == claim_id))
