"""Auth0 mfa-oob (Okta serves it too): finish an MFA transaction with a code sent by SMS, voice
or email: `oob_code` names the challenge, `binding_code` is the code (also confirms an
enrollment)."""
from ..domain import grants
from ..services import mfa_login

GRANT_TYPE = grants.MFA_OOB
REQUIRED = ("mfa_token", "oob_code", "binding_code")


async def handle(rt, client, params, meta, server_id):
    return await mfa_login.complete_with_oob(rt, client, params["mfa_token"], params["oob_code"],
                                             params["binding_code"], meta, server_id=server_id)
