"""`{userId}` in Okta paths is the user id or the login."""
from __future__ import annotations

from starlette.requests import Request

from ...domain.errors import NotFound
from ...services import users
from ..http import runtime


async def resolve_user_id(request: Request, id_or_login: str) -> str:
    row = await users.find(runtime(request), id_or_login)
    if row is None:
        raise NotFound(f"{id_or_login} (User)")
    return row.id
