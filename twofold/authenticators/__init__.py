"""One module per factor type behind one small interface (base.FactorType); this registry is
the only place that lists the types."""
from __future__ import annotations

from .base import Answer, FactorType, FactorView
from .question import Question
from .recovery_code import RecoveryCode
from .totp import Totp

REGISTRY: dict[str, FactorType] = {t.type: t for t in (Totp(), RecoveryCode(), Question())}


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
    """Auth0 /mfa/associate `authenticator_types` → the type it enrolls."""
    return {t.auth0_authenticator_type: t for t in REGISTRY.values() if t.auth0_provider is not None}


def companions() -> tuple[FactorType, ...]:
    return tuple(t for t in REGISTRY.values() if t.companion)


__all__ = ["REGISTRY", "Answer", "FactorType", "FactorView", "answering", "auth0_associable",
           "companions", "for_okta", "get"]
