"""Queries on the admin plane's org-wide rows: authenticators and policies."""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import authenticators, policies


async def list_authenticators(conn: AsyncConnection):
    return (await conn.execute(select(authenticators).order_by(authenticators.c.created_at, authenticators.c.key))).all()


async def authenticator(conn: AsyncConnection, authenticator_id: str):
    return (await conn.execute(select(authenticators).where(authenticators.c.id == authenticator_id))).first()


async def insert_authenticator(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(authenticators).values(**values))


async def update_authenticator(conn: AsyncConnection, authenticator_id: str, **values) -> None:
    await conn.execute(update(authenticators).where(authenticators.c.id == authenticator_id).values(**values))


async def list_policies(conn: AsyncConnection, type_: str):
    q = select(policies).where(policies.c.type == type_).order_by(policies.c.priority, policies.c.created_at)
    return (await conn.execute(q)).all()


async def policy(conn: AsyncConnection, policy_id: str):
    return (await conn.execute(select(policies).where(policies.c.id == policy_id))).first()


async def insert_policy(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(policies).values(**values))


async def update_policy(conn: AsyncConnection, policy_id: str, **values) -> None:
    await conn.execute(update(policies).where(policies.c.id == policy_id).values(**values))


async def delete_policy(conn: AsyncConnection, policy_id: str) -> bool:
    return (await conn.execute(policies.delete().where(policies.c.id == policy_id, policies.c.system == 0))).rowcount == 1
