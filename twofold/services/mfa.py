"""The MFA transaction (`mfa_token`) and the factor views both dialects render."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from .. import authenticators
from ..authenticators.base import FactorView
from ..domain import ids
from ..domain.errors import InvalidToken, MalformedMfaToken, MfaTokenExpired
from ..store import factors as factor_store
from ..store import tokens as token_store
from .runtime import Runtime
from .tokens import AccessClaims, read_access_token


async def factor_views(conn: AsyncConnection, user_id: str,
                       statuses: tuple[str, ...] | None = None) -> list[FactorView]:
    return views_of(await factor_store.for_user(conn, user_id, statuses=statuses))


def views_of(rows) -> list[FactorView]:
    return [authenticators.get(r.type).describe(r) for r in rows if r.type in authenticators.REGISTRY]


async def start_transaction(rt: Runtime, *, client_id: str, user_id: str,
                            audience: str | None, scope: str | None, amr: list[str], auth_time: int,
                            server_id: str | None = None, conn: AsyncConnection | None = None) -> str:
    """Opaque, 256-bit, stored hashed, bound to client+user+audience+scope, 10 minutes (R44, R45).
    Written in `conn`'s transaction, else through the Database (the sign-in's Database.atomic)."""
    token = ids.opaque_token(32)
    now = rt.now_ms()
    values = dict(
        id=ids.opaque_token(16)[:22], token_hash=ids.token_hash(token), client_id=client_id,
        user_id=user_id, audience=audience, scope=scope, amr=",".join(amr), auth_time=auth_time,
        server_id=server_id, created_at=now, expires_at=now + rt.settings.mfa_token_ttl * 1000, consumed_at=None,
    )
    await token_store.insert_mfa_transaction(conn or rt.db, **values)
    return token


def looks_like_mfa_token(token: str | None) -> bool:
    return bool(token) and len(token) <= 128 and "." not in token  # a JWT has dots


_ANY = object()


async def open_transaction(conn: AsyncConnection, rt: Runtime, token: str | None, *, client_id: str | None = None,
                           server_id=_ANY):
    """The live transaction behind an mfa_token, or MalformedMfaToken / MfaTokenExpired.
    With client_id (and server_id), a token issued to another client, or by another
    authorization server, is refused (R45)."""
    if not looks_like_mfa_token(token):
        raise MalformedMfaToken()
    row = await token_store.mfa_transaction_by_hash(conn, ids.token_hash(token))
    return _live(rt, row, client_id, server_id)


async def live_transaction_context(rt: Runtime, token: str | None, *, client_id: str, server_id: str | None):
    """open_transaction outside a transaction, with the user and their factors in the same
    read: (transaction, user, factors). The hot path; spending it is part of the settle."""
    if not looks_like_mfa_token(token):
        raise MalformedMfaToken()
    found = await token_store.mfa_transaction_context(rt.db, ids.token_hash(token))
    if found is None:
        raise MalformedMfaToken()
    return _live(rt, found[0], client_id, server_id), found[1], found[2]


def _live(rt: Runtime, row, client_id: str | None, server_id):
    if row is None or (client_id is not None and row.client_id != client_id):
        raise MalformedMfaToken()
    if server_id is not _ANY and row.server_id != server_id:
        raise MalformedMfaToken()
    if row.consumed_at is not None or row.expires_at <= rt.now_ms():
        raise MfaTokenExpired()
    return row


@dataclass
class Principal:
    """Who calls an /mfa/* endpoint: an MFA transaction, or a user's MFA-API access token."""

    user_id: str
    transaction: object | None = None
    access: AccessClaims | None = None


async def principal_from_bearer(conn: AsyncConnection, rt: Runtime, bearer: str | None) -> Principal:
    if not bearer:
        raise InvalidToken("missing bearer token")
    if looks_like_mfa_token(bearer):
        try:
            txn = await open_transaction(conn, rt, bearer)
        except (MalformedMfaToken, MfaTokenExpired) as exc:
            raise InvalidToken("invalid mfa_token") from exc
        return Principal(user_id=txn.user_id, transaction=txn)
    claims = read_access_token(rt, bearer, audience=rt.settings.mfa_audience)
    if claims.claims.get("gty") == "client-credentials":  # no user behind it (R57)
        raise InvalidToken("not a user's token")
    return Principal(user_id=claims.sub, access=claims)
