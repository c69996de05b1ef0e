"""What a user who gave the right password must do next, decided once from all of their
factors and the policies (DESIGN 3a). Every sign-in path and every binding path asks these
functions; the dialects only render the decision (Auth0's `mfa_requirements`, Okta's
`mfa_required`, the Admin Console's steps)."""
from __future__ import annotations

from dataclasses import dataclass

from ..authenticators.base import ACTIVE, Answer, FactorView

Option = tuple[str, str]  # a factor the user may enroll: (factor type, provider)


@dataclass(frozen=True)
class Surface:
    """A place where users sign in, by what it can do, not by its wire: the answers it can ask
    for as a second factor, and what it holds a sign-in to once that is proven."""

    answers: frozenset[Answer]
    primary_required: bool = False  # the sign-in ends only with a usable primary factor
    holds_required: bool = True  # the enrollment policy's REQUIRED authenticators come first


# The token endpoints of both dialects: their grants take one-time codes, codes they sent
# (mfa-oob) and recovery codes.
TOKEN_ENDPOINT = Surface(frozenset({Answer.PASSCODE, Answer.SENT_CODE, Answer.RECOVERY_CODE}))
# The Admin Console asks an authenticator app's code, or a security question on the way to
# binding one: an administrator's session always ends with an authenticator app.
ADMIN_CONSOLE = Surface(frozenset({Answer.PASSCODE, Answer.SECRET_ANSWER}), primary_required=True,
                        holds_required=False)


def enrolled(factors: list[FactorView]) -> bool:
    """R35: a user with any active factor, of any type, usable right now or not (a security
    question, a factor whose authenticator the policy disallows), is enrolled: only a passed
    second factor may bind another one. A factor awaiting its first code is not (R37)."""
    return any(v.status == ACTIVE for v in factors)


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
    """`done` (tokens now); `challenge`: prove one of `factors` (primary factors first);
    `enroll`: bind one of `options`; `unusable`: enrolled, but nothing this surface can ask is
    usable, so the answer is a refusal, never an enrollment."""

    kind: str
    factors: tuple[FactorView, ...] = ()
    options: tuple[Option, ...] = ()


def after_password(mfa_policy: str, factors: list[FactorView], usable: list[FactorView], *,
                   surface: Surface = TOKEN_ENDPOINT, options: tuple[Option, ...] = (),
                   required_missing: bool = False, mfa_api: bool = False) -> NextStep:
    """`mfa_policy`: `always` (every sign-in needs a second factor, enrolling one first if
    the user has none), `if-enrolled`, or `never`. `factors`: all of the user's factors;
    `usable`: those the enrollment policy lets them use now; `options`: the primary factors
    they may enroll. A REQUIRED authenticator the user lacks, and a token for the MFA API of
    an enrolled user (R38), need a second factor whatever the policy."""
    is_enrolled = enrolled(factors)
    needed = (mfa_policy == "always" or (mfa_policy == "if-enrolled" and is_enrolled)
              or (required_missing and surface.holds_required) or (mfa_api and is_enrolled))
    if not needed:
        return NextStep("done")
    if not is_enrolled:
        return NextStep("enroll", options=options)
    live = sorted((v for v in usable if v.status == ACTIVE and v.answer in surface.answers),
                  key=lambda v: not v.primary)
    return NextStep("challenge", factors=tuple(live)) if live else NextStep("unusable")


def after_second_factor(usable: list[FactorView], *, surface: Surface = TOKEN_ENDPOINT, by_primary: bool,
                        required: tuple[Option, ...] = (), required_missing: bool = False,
                        options: tuple[Option, ...] = ()) -> NextStep:
    """Once a second factor is proven (`by_primary`: with a primary factor): `done`, or first
    what the surface holds the sign-in to: the REQUIRED authenticators the user lacks
    (`required`: the factors that provide them); on a surface that needs a primary factor,
    proving one of the user's (a security question is a step towards it, not the end) or,
    lacking one, enrolling one of `options`."""
    if surface.holds_required and required_missing:
        return NextStep("enroll", options=required)
    if surface.primary_required and not by_primary:
        primary = tuple(v for v in usable if v.status == ACTIVE and v.primary and v.answer in surface.answers)
        return NextStep("challenge", factors=primary) if primary else NextStep("enroll", options=options)
    return NextStep("done")
