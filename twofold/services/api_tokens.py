"""Admin API tokens (Okta's SSWS scheme), stored hashed: authenticate, create, list, revoke."""
from __future__ import annotations

from ..domain import ids
from ..domain.errors import InvalidToken, NotFound, ValidationFailed
from ..store import tokens as token_store
from . import audit, invalidation
from .cache import TtlCache
from .runtime import RequestMeta, Runtime


# Hot path: a valid token is remembered for a few seconds per process, so a management call
# costs no extra transaction. A revocation forgets every remembered token at once in the process
# that revoked it and, with Redis, in the others within a second (services.invalidation; without
# Redis: within this time to live). A lookup already under way when the revocation committed does
# not store its answer (the cache's stamp).
_valid: TtlCache[str] = TtlCache("api_tokens", 5.0)


async def authenticate(rt: Runtime, token: str | None) -> str:
    """Returns the API token id, or raises InvalidToken."""
    if not token or len(token) > 200:
        raise InvalidToken("missing api token")
    invalidation.trust(rt)
    digest = ids.token_hash(token)
    hit = _valid.get(digest)
    if hit is not None:
        return hit
    stamp = _valid.stamp()
    async with rt.db.transaction() as conn:
        row = await token_store.api_token_by_hash(conn, digest)
    if row is None:
        raise InvalidToken("invalid api token")
    _valid.put(digest, row.id, stamp)
    return row.id


async def create(rt: Runtime, name: str, meta: RequestMeta | None = None) -> str:
    """A new token's value (shown once; only its hash is kept). Named so an administrator can
    tell tokens apart when revoking one."""
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
        raise ValidationFailed("apiToken", [("name", "name: From 1 to 200 characters")])
    name = name.strip()
    value = ids.api_token()
    token_id = ids.okta_id("00T")
    async with rt.db.transaction() as conn:
        now = rt.now_ms()
        await token_store.insert_api_token(
            conn, id=token_id, name=name, token_hash=ids.token_hash(value), created_at=now
        )
        await audit.record(conn, now, "api_token.create", "SUCCESS", meta=meta,
                           detail={"token": token_id, "name": name})
    return value


async def list_active(rt: Runtime):
    """Metadata of the tokens that work (id, name, created_at); never a value or a hash."""
    async with rt.db.transaction() as conn:
        return await token_store.list_api_tokens(conn)


async def get(rt: Runtime, token_id: str):
    async with rt.db.transaction() as conn:
        row = await token_store.api_token_by_id(conn, token_id)
    if row is None:
        raise NotFound(f"{token_id} (ApiToken)")
    return row


async def revoke(rt: Runtime, token_id: str, *, by: str | None = None, meta: RequestMeta | None = None) -> None:
    """Revokes an active token (NotFound for an unknown or revoked one); `by` is the id of the
    token that made the call, recorded in the audit event."""
    async with rt.db.transaction() as conn:
        row = await token_store.api_token_by_id(conn, token_id)
        now = rt.now_ms()
        if row is None or not await token_store.revoke_api_token(conn, token_id, now):
            raise NotFound(f"{token_id} (ApiToken)")
        detail = {"token": row.id, "name": row.name}
        if by:
            detail["requestApiTokenId"] = by
        await audit.record(conn, now, "api_token.revoke", "SUCCESS", meta=meta, detail=detail)
    # Every entry, not the one: the message names no token (a hash of one is not sent around).
    await invalidation.changed(rt, _valid)
