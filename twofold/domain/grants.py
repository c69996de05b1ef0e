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
INTERACTION_CODE = "interaction_code"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
OKTA_OTP = "urn:okta:params:oauth:grant-type:otp"
OKTA_OOB = "urn:okta:params:oauth:grant-type:oob"

# Every grant type twofold knows, in the order Okta's Admin Console lists them. The token
# endpoints serve a few (twofold/grants, each dialect its own choice); the others may still be
# named in a client's or a rule's configuration.
ALL = (
    CLIENT_CREDENTIALS, AUTHORIZATION_CODE, INTERACTION_CODE, IMPLICIT, PASSWORD, PASSWORD_REALM,
    TOKEN_EXCHANGE, DEVICE_CODE, OKTA_OTP, OKTA_OOB, MFA_OTP, MFA_OOB, MFA_RECOVERY_CODE, REFRESH_TOKEN,
)

# Grant types a client may list (RFC 7591 `grant_types`).
KNOWN = frozenset(ALL) - {INTERACTION_CODE, TOKEN_EXCHANGE, DEVICE_CODE}

# Grant types an access-policy rule may include (Okta's GrantType enum, as far as twofold
# serves or knows them): Auth0's own grants have no access policies.
RULE_GRANTS = tuple(g for g in ALL if g not in {PASSWORD_REALM, MFA_RECOVERY_CODE})

MFA_API_SCOPES = frozenset({"enroll", "read:authenticators", "remove:authenticators"})
# The Management API scopes twofold serves (Auth0's name; POST /api/v2/users/{id}/recovery-code-regeneration).
MANAGEMENT_API_SCOPES = frozenset({"update:users"})
OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})


def split_scope(scope: str | None) -> list[str]:
    """Space-delimited, order kept, duplicates dropped (RFC 6749 §3.3)."""
    seen: list[str] = []
    for part in (scope or "").split():
        if part not in seen:
            seen.append(part)
    return seen
