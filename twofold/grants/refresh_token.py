"""RFC 6749 §6 refresh, with rotation and family revocation on reuse."""
from ..domain import grants
from ..services import tokens

GRANT_TYPE = grants.REFRESH_TOKEN
REQUIRED = ("refresh_token",)


async def handle(rt, client, params, meta, server_id):
    return await tokens.refresh(rt, client, params["refresh_token"], params.get("scope"), meta, server_id=server_id)
