"""The interface every factor type implements (DESIGN 3): what enrolling stores and shows, what
a challenge produces, a pure judgement of an answer naming the effect to apply, and how each
dialect and the console show it. `services.verify` applies the effects; no service branches on
a type's name."""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..crypto.sealing import Sealer
from ..domain.errors import DomainError

PENDING = "PENDING_ACTIVATION"
ACTIVE = "ACTIVE"


class Answer(enum.Enum):
    """What a user answers a factor with; a request carries one of these (Okta's `passCode` or
    `answer`, Auth0's `otp` or `recovery_code`), and only the types that take it are tried."""

    PASSCODE = "passcode"  # a one-time code from a device
    RECOVERY_CODE = "recovery code"
    SECRET_ANSWER = "secret answer"  # hashed at rest with argon2id
    SENT_CODE = "sent code"  # a code sent by SMS, voice or email, for the challenge that sent it


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
    answer: Answer  # what proves it (its type's)
    user_id: str = ""
    activation_expires_at: int | None = None
    profile: dict | None = None


@dataclass(frozen=True)
class EnrollRequest:
    """Everything a type may need to build a new factor row."""

    user_id: str
    login: str
    provider: str
    now: int
    activation_expires_at: int  # for types confirmed by their first answer
    settings: dict = field(default_factory=dict)  # the governing authenticator's settings
    profile: dict = field(default_factory=dict)  # validated by the type's `validate`
    secret_hash: str | None = None  # argon2id of `secret_to_hash(profile)`, computed by the caller
    issuer: str = ""


@dataclass(frozen=True)
class Enrollment:
    """A new factor: the row to insert and what the user must be shown once."""

    values: dict[str, Any]
    shown_secret: str
    key_uri: str | None = None  # an otpauth:// URI for a QR code


@dataclass(frozen=True)
class PendingSecret:
    """What a factor awaiting its first answer shows again in reads (Okta's activation)."""

    shared_secret: str
    key_uri: str
    time_step: int


@dataclass(frozen=True)
class Challenge:
    """What a challenge produced: `delivered` names where something was sent (None: nothing is
    sent, the user reads the answer off their device)."""

    delivered: str | None = None


@dataclass(frozen=True)
class JudgeContext:
    sealer: Sealer
    now_s: float
    totp_window: int
    challenge: Any = None  # the sent code's challenge (store.oob_challenges row) the answer is for
    code_keys: tuple[bytes, ...] = ()  # the keys sent codes are hashed under, newest first (services.oob)


# --- effects: a judgement names one; services.verify applies it -------------------------------

@dataclass(frozen=True)
class Reject:
    replayed: bool = False  # right once, already used (R10: refused and logged as such)


@dataclass(frozen=True)
class ClaimStep:
    """Single use (RFC 6238 §5.2): claim `step` on the factor with a compare-and-set; on a
    pending factor the same claim activates it (R37)."""

    step: int


@dataclass(frozen=True)
class SwapHash:
    """A look-up secret: swap its hash for the replacement's in one compare-and-set (R13, R17)."""

    old: bytes
    new: bytes
    new_secret: str  # shown once, with the success


@dataclass(frozen=True)
class SpendChallenge:
    """A sent code matched its challenge: spend the challenge once with a compare-and-set (R1,
    R20); on a pending factor the same answer activates it (R37)."""

    challenge_id: str


@dataclass(frozen=True)
class CheckHash:
    """A hashed answer: accepted if argon2id says `candidate` matches `stored`. The hash runs
    outside any transaction, so guesses cannot stall the user's other verifications."""

    stored: str | None
    candidate: str


Effect = Reject | ClaimStep | SwapHash | CheckHash | SpendChallenge


@runtime_checkable
class FactorType(Protocol):
    type: str  # registry key, stored in factors.type
    answer: Answer
    attempt_kind: str  # the `kind` of its attempts in the audit log
    amr: tuple[str, ...]  # RFC 8176 values a success adds (besides `mfa`)
    primary: bool  # a possession factor that satisfies MFA alone
    companion: bool  # issued with the first primary factor, activated and removed with it
    confirmed_by_first_answer: bool  # enrolled pending; its first right answer activates it
    hot: bool  # its judgement is a step claim, which store.settle settles in one call
    console_step: str | None  # the Admin Console's sign-in step that asks it; None: not there
    okta_factor_type: str | None  # None: not shown by the Okta dialect
    okta_providers: tuple[str, ...]  # providers it enrolls with, in the console's order
    auth0_kind: str
    auth0_authenticator_type: str
    auth0_type: str
    auth0_visible: bool
    auth0_provider: str | None  # the provider Auth0's /mfa/associate enrolls; None: not associable
    auth0_shown_as: str  # the /mfa/associate member that shows its new secret
    channel: str | None  # where its challenge sends a code (delivery.CHANNELS); None: nothing is sent

    def authenticator_key(self, provider: str | None) -> str | None:
        """The admin-plane authenticator that governs it; None: none (part of another factor)."""

    def describe(self, row: Any) -> FactorView: ...

    def display_name(self, provider: str | None) -> str:
        """Its name in the console and the System Log (None: the provider is not known)."""

    def validate(self, profile: dict) -> dict:
        """The enrollment profile, checked (ValidationFailed); {} for types that take none."""

    def secret_to_hash(self, profile: dict) -> str | None:
        """What the caller hashes with argon2id before `enroll` (outside any transaction)."""

    def enroll(self, sealer: Sealer, request: EnrollRequest) -> Enrollment: ...

    def pending_secret(self, sealer: Sealer, row: Any, login: str, issuer: str) -> PendingSecret | None: ...

    def challenge(self, view: FactorView) -> Challenge: ...

    def prompt(self, view: FactorView) -> str:
        """What the console shows when it asks for this factor ("" : nothing beyond its step)."""

    def destination(self, view: FactorView) -> str | None:
        """Where its codes go (an E.164 number, an address); None for a type that sends nothing."""

    def masked(self, view: FactorView) -> str | None:
        """Its destination as listings show it; None for a type that sends nothing."""

    def judge(self, ctx: JudgeContext, row: Any, answer: str | None) -> Effect:
        """Pure: no I/O, constant-time comparisons."""

    def wrong(self, replayed: bool) -> DomainError:
        """The error of a refused answer."""


class Describes:
    """The parts every type shares."""

    okta_providers: tuple[str, ...] = ("OKTA",)
    auth0_provider: str | None = None
    auth0_shown_as = "secret"
    companion = False
    confirmed_by_first_answer = False
    hot = False
    console_step: str | None = None
    amr: tuple[str, ...] = ()
    channel: str | None = None

    def describe(self, row: Any) -> FactorView:
        return view(self, row)  # type: ignore[arg-type]

    def validate(self, profile: dict) -> dict:
        return {}

    def secret_to_hash(self, profile: dict) -> str | None:
        return None

    def pending_secret(self, sealer: Sealer, row: Any, login: str, issuer: str) -> PendingSecret | None:
        return None

    def challenge(self, view: FactorView) -> Challenge:
        return Challenge()

    def prompt(self, view: FactorView) -> str:
        return ""

    def destination(self, view: FactorView) -> str | None:
        return None

    def masked(self, view: FactorView) -> str | None:
        return None


def view(auth: FactorType, row: Any) -> FactorView:
    return FactorView(
        id=row.id, device_id=row.device_id, type=row.type, provider=row.provider, status=row.status,
        created_at=row.created_at, last_updated_at=row.last_updated_at,
        auth0_id=f"{auth.auth0_kind}|{row.device_id}",
        auth0_authenticator_type=auth.auth0_authenticator_type, auth0_type=auth.auth0_type,
        primary=auth.primary, okta_factor_type=auth.okta_factor_type, auth0_visible=auth.auth0_visible,
        answer=auth.answer, user_id=row.user_id, activation_expires_at=row.activation_expires_at,
        profile=json.loads(row.profile) if row.profile else None,
    )
