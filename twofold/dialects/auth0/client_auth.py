"""Client authentication as the Auth0 token endpoint accepts it: secret in the body or HTTP
Basic (never both), or only client_id for public clients."""
from __future__ import annotations

from starlette.requests import Request

from ...domain.errors import InvalidRequest
from ...services import clients
from ...services.clients import Client
from ..http import client_credentials, runtime


async def authenticate_client(request: Request, params: dict[str, str]) -> tuple[Client, bool]:
    """Returns (client, whether HTTP Basic was used)."""
    cid, secret = client_credentials(request, params, multiple="Can't supply multiple client credentials.")
    basic = request.state.basic_auth_used
    if not basic and "client_assertion" in params:
        raise InvalidRequest("client_assertion is not supported; use client_secret_post or client_secret_basic.")
    if not cid:
        raise InvalidRequest("Missing required parameter: client_id")
    return await clients.authenticate(runtime(request), cid, secret), basic
