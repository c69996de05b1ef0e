"""Admin API tokens (Okta's SSWS scheme), stored hashed."""
from __future__ import annotations

from ..domain import ids
from ..domain.errors import InvalidToken
from ..store import tokens as token_store
from .runtime import Runtime


async def authenticate(rt: Runtime, token: str | None) -> str:
    """Returns the API token id, or raises InvalidToken."""
    if not token or len(token) > 200:
        raise InvalidToken("missing api token")
    async with rt.db.transaction() as conn:
        row = await token_store.api_token_by_hash(conn, ids.token_hash(token))
    if row is None:
        raise InvalidToken("invalid api token")
    return row.id


async def create(rt: Runtime, name: str) -> str:
    value = ids.api_token()
    async with rt.db.transaction() as conn:
        await token_store.insert_api_token(
            conn, id=ids.okta_id("00T"), name=name, token_hash=ids.token_hash(value), created_at=rt.now_ms()
        )
    return value
