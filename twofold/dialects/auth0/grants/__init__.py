"""One module per grant type, registered by the URI clients send (node-oidc-provider's
lib/actions/grants, Authlib's rfc6749/grants)."""
from __future__ import annotations

from types import ModuleType

from . import client_credentials, mfa_otp, mfa_recovery_code, password, password_realm, refresh_token

GRANTS: dict[str, ModuleType] = {
    m.GRANT_TYPE: m
    for m in (password, password_realm, mfa_otp, mfa_recovery_code, refresh_token, client_credentials)
}
