"""Codes sent by email. Weaker than a phone or an app (R26: an inbox is not something the user
holds): allowed, but an administrator can limit the Email authenticator to recovery or turn it
off, and tokens say it was used: `amr` carries "email" (no RFC 8176 value names email; the
registry's "otp" would hide the difference), beside "mfa" as for any second factor."""
from __future__ import annotations

from typing import Any

from ..domain import contact
from .base import FactorView
from .sent_code import SentCode


class Email(SentCode):
    type = "email"
    attempt_kind = "email"
    amr = ("email",)
    channel = "email"
    id_prefix = "emf"
    field = "email"
    okta_factor_type = "email"
    auth0_kind = "email"
    auth0_type = "email"
    auth0_provider = "OKTA"

    def parse(self, value: Any) -> str:
        return contact.parse_email(value)

    def authenticator_key(self, provider: str | None) -> str | None:
        return "okta_email"

    def display_name(self, provider: str | None) -> str:
        return "Email Authentication"

    def masked(self, view: FactorView) -> str | None:
        address = self.destination(view)
        return contact.mask_email(address) if address else None
