"""Auth0 password-realm: the password grant in a named realm (connection)."""
from ..domain import grants
from ..services import login

GRANT_TYPE = grants.PASSWORD_REALM
REQUIRED = ("username", "password", "realm")


async def handle(rt, client, params, meta, server_id):
    return await login.password_login(
        rt, client, username=params["username"], password=params["password"], realm=params["realm"],
        audience=params.get("audience"), scope=params.get("scope"), meta=meta, server_id=server_id,
    )
