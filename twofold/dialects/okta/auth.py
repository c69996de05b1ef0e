"""`Authorization: SSWS <api token>` for the management API."""
from __future__ import annotations

from starlette.requests import Request

from ...domain.errors import InvalidToken
from ...services import api_tokens
from ..http import runtime


async def require_api_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme != "SSWS" or not value.strip():
        raise InvalidToken("missing SSWS token")
    return await api_tokens.authenticate(runtime(request), value.strip())
