"""Client authentication as the Auth0 token endpoint accepts it: secret in the body or HTTP
Basic (never both), or only client_id for public clients."""
from __future__ import annotations

from starlette.requests import Request

from ...domain.errors import InvalidRequest
from ...services import clients
from ...services.clients import Client
from ..http import basic_credentials, runtime


async def authenticate_client(request: Request, params: dict[str, str]) -> tuple[Client, bool]:
    """Returns (client, whether HTTP Basic was used). The Basic flag is also left on
    request.state, so a refusal can carry `WWW-Authenticate: Basic` (RFC 6749 §5.2)."""
    basic = basic_credentials(request)
    request.state.basic_auth_used = basic is not None
    if basic is not None:
        if "client_secret" in params or "client_assertion" in params:
            raise InvalidRequest("Can't supply multiple client credentials.")  # RFC 6749 §2.3
        cid, secret = basic
        if "client_id" in params and params["client_id"] != cid:
            raise InvalidRequest("client_id does not match the HTTP Basic credentials.")
        return await clients.authenticate(runtime(request), cid, secret), True
    if "client_assertion" in params:
        raise InvalidRequest("client_assertion is not supported; use client_secret_post or client_secret_basic.")
    cid = params.get("client_id")
    if not cid:
        raise InvalidRequest("Missing required parameter: client_id")
    return await clients.authenticate(runtime(request), cid, params.get("client_secret")), False
