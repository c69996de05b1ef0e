"""The grants of both token endpoints, one module per grant type, registered by the URI
clients send (node-oidc-provider's lib/actions/grants, Authlib's rfc6749/grants).

Auth0's `/oauth/token` and Okta's `/oauth2/*/v1/token` both dispatch through `GRANTS`; each
dialect picks the grants it serves (`serving`), names a missing parameter in its own words and
maps the domain errors with its own catalogue. A grant module exports:

- `GRANT_TYPE`: its URI (from `domain.grants`, where every grant-type URI is listed once);
- `REQUIRED`: the parameters the dialect checks are present before calling it;
- `async handle(rt, client, params, meta, server_id)`: the service call; `server_id` is the
  authorization server the endpoint belongs to (None: the Auth0 root)."""
from __future__ import annotations

from types import ModuleType

from . import (
    client_credentials, mfa_oob, mfa_otp, mfa_recovery_code, okta_otp, password, password_realm, refresh_token,
)

GRANTS: dict[str, ModuleType] = {
    m.GRANT_TYPE: m
    for m in (password, password_realm, mfa_otp, mfa_oob, mfa_recovery_code, okta_otp, refresh_token,
              client_credentials)
}


def serving(*grant_types: str) -> dict[str, ModuleType]:
    """A dialect's registry: the grants it serves, in the order its discovery document lists them."""
    return {g: GRANTS[g] for g in grant_types}
