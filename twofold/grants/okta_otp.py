"""Okta's OTP grant: a TOTP code as the primary factor, with only a login (R34, R50)."""
from ..domain import grants
from ..services import login

GRANT_TYPE = grants.OKTA_OTP
REQUIRED = ("login_hint", "otp")


async def handle(rt, client, params, meta, server_id):
    return await login.otp_login(rt, client, login_hint=params["login_hint"], otp=params["otp"],
                                 scope=params.get("scope"), server_id=server_id, meta=meta)
