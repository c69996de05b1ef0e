"""Queries on the admin plane's rows: authenticators, enrollment policies, and the access
policies and rules of authorization servers."""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import authenticators, policies, server_policies, server_policy_rules


async def list_authenticators(conn: AsyncConnection):
    q = select(authenticators).order_by(authenticators.c.created_at, authenticators.c.key)
    return (await conn.execute(q)).all()


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
    stmt = policies.delete().where(policies.c.id == policy_id, policies.c.system == 0)
    return (await conn.execute(stmt)).rowcount == 1


# --- authorization servers' access policies and rules ---------------------------------------

async def server_policies_of(conn: AsyncConnection, server_id: str):
    q = select(server_policies).where(server_policies.c.server_id == server_id)
    return (await conn.execute(q.order_by(server_policies.c.priority, server_policies.c.created_at))).all()


async def server_policy(conn: AsyncConnection, server_id: str, policy_id: str):
    q = select(server_policies).where(server_policies.c.server_id == server_id, server_policies.c.id == policy_id)
    return (await conn.execute(q)).first()


async def insert_server_policy(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(server_policies).values(**values))


async def update_server_policy(conn: AsyncConnection, policy_id: str, **values) -> None:
    await conn.execute(update(server_policies).where(server_policies.c.id == policy_id).values(**values))


async def delete_server_policy(conn: AsyncConnection, policy_id: str) -> None:
    await conn.execute(server_policy_rules.delete().where(server_policy_rules.c.policy_id == policy_id))
    await conn.execute(server_policies.delete().where(server_policies.c.id == policy_id))


async def rules_of(conn: AsyncConnection, policy_id: str):
    q = select(server_policy_rules).where(server_policy_rules.c.policy_id == policy_id)
    return (await conn.execute(q.order_by(server_policy_rules.c.priority, server_policy_rules.c.created_at))).all()


async def rule(conn: AsyncConnection, policy_id: str, rule_id: str):
    q = select(server_policy_rules).where(server_policy_rules.c.policy_id == policy_id,
                                          server_policy_rules.c.id == rule_id)
    return (await conn.execute(q)).first()


async def insert_rule(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(server_policy_rules).values(**values))


async def update_rule(conn: AsyncConnection, rule_id: str, **values) -> None:
    await conn.execute(update(server_policy_rules).where(server_policy_rules.c.id == rule_id).values(**values))


async def delete_rule(conn: AsyncConnection, rule_id: str) -> None:
    await conn.execute(server_policy_rules.delete().where(server_policy_rules.c.id == rule_id))
