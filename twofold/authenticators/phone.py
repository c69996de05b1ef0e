"""Codes sent to a phone: by SMS (`sms`) and by a voice call (`call`; Auth0's `voice`). The
number is stored in E.164; premium-rate and other costly numbers are refused (R27). PSTN is a
restricted authenticator (R25): an authenticator app is always offered beside it."""
from __future__ import annotations

from typing import Any

from ..domain import contact
from ..domain.errors import ValidationFailed
from .base import FactorView
from .sent_code import SentCode


class _Phone(SentCode):
    field = "phoneNumber"
    auth0_type = "phone"

    def parse(self, value: Any) -> str:
        return contact.parse_phone(value)

    def authenticator_key(self, provider: str | None) -> str | None:
        return "phone_number"

    def masked(self, view: FactorView) -> str | None:
        number = self.destination(view)
        return contact.mask_phone(number) if number else None


class Sms(_Phone):
    type = "sms"
    attempt_kind = "sms"
    amr = ("sms",)  # RFC 8176
    channel = "sms"
    id_prefix = "mbl"
    okta_factor_type = "sms"
    auth0_kind = "sms"
    auth0_provider = "OKTA"

    def display_name(self, provider: str | None) -> str:
        return "SMS Authentication"


class Voice(_Phone):
    type = "call"
    attempt_kind = "call"
    amr = ("tel",)  # RFC 8176: confirmation by telephone call
    channel = "voice"
    id_prefix = "clf"
    okta_factor_type = "call"
    auth0_kind = "voice"
    auth0_provider = "OKTA"

    def validate(self, profile: dict) -> dict:
        """The number, and Okta's optional `phoneExtension` (digits, kept and shown with it)."""
        out = super().validate(profile)
        extension = profile.get("phoneExtension")
        if extension not in (None, ""):
            digits = isinstance(extension, str) and extension.isascii() and extension.isdigit()
            if not digits or len(extension) > 10:
                raise ValidationFailed("factorEnrollRequest",
                                       [("phoneExtension", "phoneExtension: At most 10 digits.")])
            out["phoneExtension"] = extension
        return out

    def display_name(self, provider: str | None) -> str:
        return "Voice Call Authentication"
