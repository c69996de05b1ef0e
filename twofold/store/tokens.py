"""Queries on mfa_tokens (MFA transactions), refresh tokens and API tokens. Every consume is
a conditional UPDATE so a token is used at most once under concurrency (R46, R55, R70)."""
from __future__ import annotations

from sqlalchemy import LABEL_STYLE_TABLENAME_PLUS_COL, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Executor, run
from .tables import api_tokens, factors, mfa_transactions, refresh_tokens, users


_INSERT_TXN = insert(mfa_transactions)


async def insert_mfa_transaction(executor: Executor, **values) -> None:
    """Every column given (the statement is compiled once, for all of them)."""
    await run(executor, _INSERT_TXN, values)


_TXN_BY_HASH = select(mfa_transactions).where(mfa_transactions.c.token_hash == bindparam("token_hash"))


async def mfa_transaction_by_hash(conn: AsyncConnection, token_hash: bytes):
    return (await conn.execute(_TXN_BY_HASH, {"token_hash": token_hash})).first()


# The mfa-otp grant's whole read in one statement: the transaction, its user, their factors.
_TXN_CONTEXT = (
    select(mfa_transactions, users, factors)
    .select_from(mfa_transactions.join(users, users.c.id == mfa_transactions.c.user_id)
                 .outerjoin(factors, factors.c.user_id == mfa_transactions.c.user_id))
    .where(mfa_transactions.c.token_hash == bindparam("token_hash"))
    .order_by(factors.c.created_at, factors.c.id)
    .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
)


async def mfa_transaction_context(executor: Executor, token_hash: bytes):
    """(transaction, user, factors) behind an mfa_token, or None. The hot path reads it outside
    a transaction: spending it is part of the settle."""
    rows = await run(executor, _TXN_CONTEXT, {"token_hash": token_hash})
    if not rows:
        return None
    factor_rows = [r.table("factors") for r in rows if r.factors_id is not None]
    return rows[0].table("mfa_transactions"), rows[0].table("users"), factor_rows


# Spend an MFA transaction once, while unexpired (R46); the hot path's settle runs it too.
SPEND_MFA_TRANSACTION = (
    update(mfa_transactions)
    .where(mfa_transactions.c.id == bindparam("txn_id"), mfa_transactions.c.consumed_at.is_(None),
           mfa_transactions.c.expires_at > bindparam("now"))
    .values(consumed_at=bindparam("now"))
)


async def consume_mfa_transaction(conn: AsyncConnection, txn_id: str, now: int) -> bool:
    return (await conn.execute(SPEND_MFA_TRANSACTION, {"txn_id": txn_id, "now": now})).rowcount == 1


async def insert_refresh_token(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(refresh_tokens).values(**values))


async def refresh_token_by_hash(conn: AsyncConnection, token_hash: bytes):
    q = select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
    return (await conn.execute(q)).first()


async def use_refresh_token(conn: AsyncConnection, token_id: str, now: int) -> bool:
    stmt = (
        update(refresh_tokens)
        .where(
            refresh_tokens.c.id == token_id,
            refresh_tokens.c.used_at.is_(None),
            refresh_tokens.c.revoked_at.is_(None),
            refresh_tokens.c.expires_at > now,
        )
        .values(used_at=now)
    )
    return (await conn.execute(stmt)).rowcount == 1


async def revoke_family(conn: AsyncConnection, family_id: str, now: int) -> None:
    await conn.execute(
        update(refresh_tokens)
        .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def insert_api_token(conn: AsyncConnection, **values) -> None:
    await conn.execute(insert(api_tokens).values(**values))


async def api_token_by_hash(conn: AsyncConnection, token_hash: bytes):
    q = select(api_tokens).where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None))
    return (await conn.execute(q)).first()


async def count_api_tokens(conn: AsyncConnection) -> int:
    q = select(func.count()).select_from(api_tokens).where(api_tokens.c.revoked_at.is_(None))
    return (await conn.execute(q)).scalar_one()


# --- the API tokens API (Okta's /api/v1/api-tokens) ----------------------------------------------

async def list_api_tokens(conn: AsyncConnection):
    """Active (not revoked) API tokens, oldest first; never the hash."""
    q = (select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.created_at)
         .where(api_tokens.c.revoked_at.is_(None)).order_by(api_tokens.c.created_at, api_tokens.c.id))
    return (await conn.execute(q)).all()


async def api_token_by_id(conn: AsyncConnection, token_id: str):
    """An active API token's row (with its hash, to drop it from caches), or None."""
    q = select(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
    return (await conn.execute(q)).first()


async def revoke_api_token(conn: AsyncConnection, token_id: str, now: int) -> bool:
    """Conditional: of two revocations of one token, one wins."""
    stmt = (update(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now))
    return (await conn.execute(stmt)).rowcount == 1
