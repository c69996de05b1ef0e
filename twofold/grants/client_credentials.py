"""RFC 6749 §4.4 client credentials: machine-to-machine, no user, no MFA."""
from ..domain import grants
from ..domain.errors import InvalidClient
from ..services import tokens

GRANT_TYPE = grants.CLIENT_CREDENTIALS
REQUIRED = ()


async def handle(rt, client, params, meta, server_id):
    if not client.confidential:
        raise InvalidClient("public clients cannot use client_credentials")
    return await tokens.client_credentials(rt, client, params.get("audience"), params.get("scope"), meta)
