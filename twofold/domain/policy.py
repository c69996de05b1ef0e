"""What a user who gave the right password must do next, decided once from all of their
factors (DESIGN 3a): every sign-in path and every binding path asks these functions."""
from __future__ import annotations

from dataclasses import dataclass

from ..authenticators.base import FactorView

ENROLLABLE_AUTH0_TYPES = ("otp",)


def enrolled(factors: list[FactorView]) -> bool:
    """R35: a user with any active factor, of any type, usable right now or not (a security
    question, a factor whose authenticator the policy disallows), is enrolled: only a passed
    second factor may bind another one. A factor awaiting its first code is not (R37)."""
    return any(v.status == "ACTIVE" for v in factors)


def may_bind(factors: list[FactorView], second_factor_proven: bool) -> bool:
    """Binding a new factor: free for a user with none, else only after a second factor."""
    return second_factor_proven or not enrolled(factors)


def proven(amr) -> bool:
    """Whether an authentication (its `amr`, a list or the stored comma-joined form) included
    a second factor."""
    values = amr.split(",") if isinstance(amr, str) else (amr or [])
    return "mfa" in values


@dataclass(frozen=True)
class NextStep:
    """`done` (tokens now), `enroll` or `challenge` (an MFA transaction offering `types`), or
    `unusable`: enrolled, but nothing this dialect can challenge is usable, so the answer is a
    refusal, never an enrollment."""

    kind: str
    types: tuple[str, ...] = ()


def after_password(mfa_policy: str, factors: list[FactorView], usable: list[FactorView], *,
                   enrollable: tuple[str, ...] = ENROLLABLE_AUTH0_TYPES, required_missing: bool = False,
                   mfa_api: bool = False) -> NextStep:
    """`mfa_policy`: `always` (every sign-in needs a second factor, enrolling one first if
    the user has none), `if-enrolled`, or `never`. `factors`: all of the user's factors;
    `usable`: those the enrollment policy lets them use now. A REQUIRED authenticator the
    user lacks, and a token for the MFA API of an enrolled user (R38), need a second factor
    whatever the policy."""
    is_enrolled = enrolled(factors)
    needed = (mfa_policy == "always" or (mfa_policy == "if-enrolled" and is_enrolled) or required_missing
              or (mfa_api and is_enrolled))
    if not needed:
        return NextStep("done")
    if not is_enrolled:
        return NextStep("enroll", tuple(t for t in ENROLLABLE_AUTH0_TYPES if t in enrollable))
    live = sorted((v for v in usable if v.status == "ACTIVE" and v.auth0_visible), key=lambda v: not v.primary)
    types = tuple(dict.fromkeys(v.auth0_type for v in live))
    return NextStep("challenge", types) if types else NextStep("unusable")
