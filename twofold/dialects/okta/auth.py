"""`Authorization: SSWS <api token>` for the management API."""
from __future__ import annotations

from starlette.requests import Request

from ...domain.errors import InvalidToken
from ...services import api_tokens
from ..http import runtime


def ssws_token(header: str) -> str | None:
    """The token after the `SSWS` scheme. The space is optional: the official Okta Python SDK
    (3.x) sends `SSWS<token>` on every typed call, so Okta itself must accept that form."""
    if not header.startswith("SSWS"):
        return None
    token = header[4:].strip()
    return token or None


async def require_api_token(request: Request) -> str:
    token = ssws_token(request.headers.get("authorization", ""))
    if token is None:
        raise InvalidToken("missing SSWS token")
    return await api_tokens.authenticate(runtime(request), token)
