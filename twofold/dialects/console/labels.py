"""Okta's Admin Console names for grant types, in the order its pages list them; shared by the
Applications page and the Edit Rule dialog: one for each of `domain.grants.ALL`, in its order
(a test holds them together). A grant without a name here shows its URI."""
from __future__ import annotations

from ...domain import grants

GRANT_LABELS = {
    grants.CLIENT_CREDENTIALS: "Client Credentials",
    grants.AUTHORIZATION_CODE: "Authorization Code",
    grants.INTERACTION_CODE: "Interaction Code",
    grants.IMPLICIT: "Implicit (hybrid)",
    grants.PASSWORD: "Resource Owner Password",
    grants.PASSWORD_REALM: "Password Realm",
    grants.TOKEN_EXCHANGE: "Token Exchange",
    grants.DEVICE_CODE: "Device Authorization",
    grants.OKTA_OTP: "OTP",
    grants.OKTA_OOB: "OOB",
    grants.MFA_OTP: "MFA OTP",
    grants.MFA_OOB: "MFA OOB",
    grants.MFA_RECOVERY_CODE: "MFA recovery code",
    grants.REFRESH_TOKEN: "Refresh Token",
}


def labelled(allowed) -> list[tuple[str, str]]:
    """(grant, label) for each allowed grant: named ones in Okta's order, then the rest."""
    allowed = set(allowed)
    return [(g, label) for g, label in GRANT_LABELS.items() if g in allowed] + \
        [(g, g) for g in sorted(allowed - GRANT_LABELS.keys())]
