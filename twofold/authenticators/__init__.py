"""One module per factor type behind one small interface (base.FactorType); this registry is
the only place that lists the types."""
from __future__ import annotations

from .base import Answer, FactorType, FactorView
from .email import Email
from .phone import Sms, Voice
from .question import Question
from .recovery_code import RecoveryCode
from .totp import Totp

REGISTRY: dict[str, FactorType] = {t.type: t for t in (Totp(), RecoveryCode(), Question(), Sms(), Voice(), Email())}


def get(type_: str) -> FactorType:
    return REGISTRY[type_]


def answering(answer: Answer) -> tuple[str, ...]:
    """The types a request's answer (a passcode, a recovery code, a secret answer) may be for."""
    return tuple(t.type for t in REGISTRY.values() if t.answer is answer)


def for_okta(factor_type: str | None, provider: str) -> FactorType | None:
    """The type Okta's Factors API enrolls as (`factorType`, `provider`)."""
    return next((t for t in REGISTRY.values()
                 if t.okta_factor_type is not None and t.okta_factor_type == factor_type
                 and provider in t.okta_providers), None)


def auth0_associable() -> dict[str, FactorType]:
    """Auth0 /mfa/associate `authenticator_types` → the type it enrolls (the types that send a
    code are told apart by `oob_channels`: auth0_channels)."""
    return {t.auth0_authenticator_type: t for t in REGISTRY.values()
            if t.auth0_provider is not None and t.channel is None}


def auth0_channels() -> dict[str, FactorType]:
    """Auth0 `oob_channels` (sms | voice | email) → the type that sends a code there."""
    return {t.channel: t for t in REGISTRY.values() if t.auth0_provider is not None and t.channel is not None}


def companions() -> tuple[FactorType, ...]:
    return tuple(t for t in REGISTRY.values() if t.companion)


__all__ = ["REGISTRY", "Answer", "FactorType", "FactorView", "answering", "auth0_associable", "auth0_channels",
           "companions", "for_okta", "get"]
