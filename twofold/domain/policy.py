"""MFA policy decisions (the admin plane refines these later)."""
from __future__ import annotations

from ..authenticators.base import FactorView

ENROLLABLE_AUTH0_TYPES = ("otp",)


def mfa_needed(policy: str, active: list[FactorView]) -> bool:
    """`always`: every sign-in needs a second factor (enrolling one if the user has none);
    `if-enrolled`: only users with an active factor; `never`: password alone."""
    if policy == "never":
        return False
    has_primary = any(v.primary and v.status == "ACTIVE" for v in active)
    return policy == "always" or has_primary


def requirements(active: list[FactorView], enrollable: tuple[str, ...] = ENROLLABLE_AUTH0_TYPES) -> dict:
    """Auth0's `mfa_requirements`: what to enroll when nothing is active (of the types the
    admin plane allows), else what to challenge."""
    live = [v for v in active if v.status == "ACTIVE" and v.auth0_visible]
    if not any(v.primary for v in live):
        return {"enroll": [{"type": t} for t in ENROLLABLE_AUTH0_TYPES if t in enrollable]}
    types: list[str] = []
    for v in sorted(live, key=lambda v: not v.primary):
        if v.auth0_type not in types:
            types.append(v.auth0_type)
    return {"challenge": [{"type": t} for t in types]}
