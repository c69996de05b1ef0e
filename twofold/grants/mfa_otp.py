"""Auth0 mfa-otp (Okta serves it too): finish an MFA transaction with a TOTP code (also
confirms an enrollment)."""
from ..domain import grants
from ..services import mfa_login

GRANT_TYPE = grants.MFA_OTP
REQUIRED = ("mfa_token", "otp")


async def handle(rt, client, params, meta, server_id):
    return await mfa_login.complete_with_otp(rt, client, params["mfa_token"], params["otp"], meta,
                                             server_id=server_id)
