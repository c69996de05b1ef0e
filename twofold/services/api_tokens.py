"""Admin API tokens (Okta's SSWS scheme), stored hashed."""
from __future__ import annotations

from ..domain import ids
from ..domain.errors import InvalidToken
from ..store import tokens as token_store
from .cache import TtlCache
from .runtime import Runtime


# Hot path: a valid token is remembered for a few seconds per process, so a management call
# costs no extra transaction. A revoked token therefore keeps working for at most this long.
_valid: TtlCache[str] = TtlCache(5.0)


async def authenticate(rt: Runtime, token: str | None) -> str:
    """Returns the API token id, or raises InvalidToken."""
    if not token or len(token) > 200:
        raise InvalidToken("missing api token")
    digest = ids.token_hash(token)
    hit = _valid.get(digest)
    if hit is not None:
        return hit
    async with rt.db.transaction() as conn:
        row = await token_store.api_token_by_hash(conn, digest)
    if row is None:
        raise InvalidToken("invalid api token")
    _valid.put(digest, row.id)
    return row.id


async def create(rt: Runtime, name: str) -> str:
    value = ids.api_token()
    async with rt.db.transaction() as conn:
        await token_store.insert_api_token(
            conn, id=ids.okta_id("00T"), name=name, token_hash=ids.token_hash(value), created_at=rt.now_ms()
        )
    return value
