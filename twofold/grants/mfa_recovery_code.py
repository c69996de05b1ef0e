"""Auth0 mfa-recovery-code: finish with the recovery code; the answer carries its replacement."""
from ..domain import grants
from ..services import mfa_login

GRANT_TYPE = grants.MFA_RECOVERY_CODE
REQUIRED = ("mfa_token", "recovery_code")


async def handle(rt, client, params, meta, server_id):
    body, new_code = await mfa_login.complete_with_recovery_code(rt, client, params["mfa_token"],
                                                                 params["recovery_code"], meta, server_id=server_id)
    return {**body, "recovery_code": new_code}
