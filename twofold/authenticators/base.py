"""The interface every factor type implements: enroll, verify, describe."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class FactorView:
    """What both dialects render for a factor."""

    id: str  # Okta-style id
    device_id: str  # Auth0 `dev_…`
    type: str  # registry key
    provider: str
    status: str  # PENDING_ACTIVATION | ACTIVE
    created_at: int
    last_updated_at: int
    auth0_id: str  # `<kind>|dev_…`
    auth0_authenticator_type: str  # otp | recovery-code | oob
    auth0_type: str  # the `type` used in mfa_requirements: otp | recovery-code | …
    primary: bool  # a possession factor that satisfies MFA (recovery codes, questions do not)
    okta_factor_type: str | None  # None: not shown by the Okta dialect
    auth0_visible: bool
    user_id: str = ""
    activation_expires_at: int | None = None
    profile: dict | None = None


@dataclass(frozen=True)
class Enrollment:
    """A new pending factor: the row to insert and what the user must be shown once."""

    values: dict[str, Any]
    shown_secret: str


@dataclass(frozen=True)
class VerifyOutcome:
    ok: bool
    replayed: bool = False
    step: int | None = None


class Authenticator(Protocol):
    type: str
    auth0_kind: str
    auth0_authenticator_type: str
    auth0_type: str
    primary: bool
    okta_factor_type: str | None
    auth0_visible: bool

    def describe(self, row: Any) -> FactorView: ...


def view(auth: Authenticator, row: Any) -> FactorView:
    return FactorView(
        id=row.id, device_id=row.device_id, type=row.type, provider=row.provider, status=row.status,
        created_at=row.created_at, last_updated_at=row.last_updated_at,
        auth0_id=f"{auth.auth0_kind}|{row.device_id}",
        auth0_authenticator_type=auth.auth0_authenticator_type, auth0_type=auth.auth0_type,
        primary=auth.primary, okta_factor_type=auth.okta_factor_type, auth0_visible=auth.auth0_visible,
        user_id=row.user_id, activation_expires_at=row.activation_expires_at,
        profile=json.loads(row.profile) if row.profile else None,
    )
