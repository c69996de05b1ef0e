"""RFC 6749 §4.3 Resource Owner Password Credentials (R41: off unless the client lists it)."""
from ..domain import grants
from ..services import login

GRANT_TYPE = grants.PASSWORD
REQUIRED = ("username", "password")


async def handle(rt, client, params, meta, server_id):
    return await login.password_login(
        rt, client, username=params["username"], password=params["password"], realm=None,
        audience=params.get("audience"), scope=params.get("scope"), meta=meta, server_id=server_id,
    )
