"""`Authorization: SSWS <api token>` for the management API."""
from __future__ import annotations

from starlette.requests import Request

from ...domain.errors import InvalidToken
from ...services import api_tokens
from ..http import runtime, ssws_token


async def require_api_token(request: Request) -> str:
    token = ssws_token(request.headers.get("authorization", ""))
    if token is None:
        raise InvalidToken("missing SSWS token")
    return await api_tokens.authenticate(runtime(request), token)
