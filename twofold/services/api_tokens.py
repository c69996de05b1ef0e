"""Admin API tokens (Okta's SSWS scheme), stored hashed."""
from __future__ import annotations

import time

from ..domain import ids
from ..domain.errors import InvalidToken
from ..store import tokens as token_store
from .runtime import Runtime


# Hot path: a valid token is remembered for a few seconds per process, so a management call
# costs no extra transaction. A revoked token therefore keeps working for at most this long.
CACHE_SECONDS = 5.0
_valid: dict[bytes, tuple[str, float]] = {}


async def authenticate(rt: Runtime, token: str | None) -> str:
    """Returns the API token id, or raises InvalidToken."""
    if not token or len(token) > 200:
        raise InvalidToken("missing api token")
    digest = ids.token_hash(token)
    hit = _valid.get(digest)
    now = time.monotonic()
    if hit is not None and hit[1] > now:
        return hit[0]
    async with rt.db.transaction() as conn:
        row = await token_store.api_token_by_hash(conn, digest)
    if row is None:
        raise InvalidToken("invalid api token")
    if len(_valid) > 10_000:
        _valid.clear()
    _valid[digest] = (row.id, now + CACHE_SECONDS)
    return row.id


async def create(rt: Runtime, name: str) -> str:
    value = ids.api_token()
    async with rt.db.transaction() as conn:
        await token_store.insert_api_token(
            conn, id=ids.okta_id("00T"), name=name, token_hash=ids.token_hash(value), created_at=rt.now_ms()
        )
    return value
