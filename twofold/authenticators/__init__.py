"""One module per factor type behind one small interface and a registry."""
from __future__ import annotations

from .base import Authenticator, FactorView
from .question import Question
from .recovery_code import RecoveryCode
from .totp import Totp

REGISTRY: dict[str, Authenticator] = {a.type: a for a in (Totp(), RecoveryCode(), Question())}


def get(type_: str) -> Authenticator:
    return REGISTRY[type_]


__all__ = ["REGISTRY", "Authenticator", "FactorView", "get"]
