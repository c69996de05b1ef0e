"""Grant-type URIs clients send, and the scopes of the MFA API."""
from __future__ import annotations

PASSWORD = "password"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp"
MFA_OOB = "http://auth0.com/oauth/grant-type/mfa-oob"
MFA_RECOVERY_CODE = "http://auth0.com/oauth/grant-type/mfa-recovery-code"
REFRESH_TOKEN = "refresh_token"
CLIENT_CREDENTIALS = "client_credentials"
AUTHORIZATION_CODE = "authorization_code"
IMPLICIT = "implicit"
OKTA_OTP = "urn:okta:params:oauth:grant-type:otp"
OKTA_OOB = "urn:okta:params:oauth:grant-type:oob"

# Grant types a client may list (RFC 7591 `grant_types`); the token endpoint serves a subset.
KNOWN = frozenset({
    PASSWORD, PASSWORD_REALM, MFA_OTP, MFA_OOB, MFA_RECOVERY_CODE, REFRESH_TOKEN,
    CLIENT_CREDENTIALS, AUTHORIZATION_CODE, IMPLICIT, OKTA_OTP, OKTA_OOB,
})

MFA_API_SCOPES = frozenset({"enroll", "read:authenticators", "remove:authenticators"})
OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})


def split_scope(scope: str | None) -> list[str]:
    """Space-delimited, order kept, duplicates dropped (RFC 6749 §3.3)."""
    seen: list[str] = []
    for part in (scope or "").split():
        if part not in seen:
            seen.append(part)
    return seen
