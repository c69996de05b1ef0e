"""Delivering one-time codes (SMS, voice, email) through one small interface, a provider per
channel chosen by configuration (TWOFOLD_SMS_PROVIDER, TWOFOLD_VOICE_PROVIDER,
TWOFOLD_EMAIL_PROVIDER). A provider is called with no database transaction or connection
held (services.oob), and reports a failure or a timeout as DeliveryFailed; no code, full
number or address is ever logged here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

CHANNELS = ("sms", "voice", "email")


@dataclass(frozen=True)
class Message:
    channel: str  # sms | voice | email
    to: str  # E.164 for sms and voice, an address for email
    text: str  # the whole message, code included (for voice: what is said)
    subject: str | None = None  # email only
    html: str | None = None  # email only: the HTML part beside the plain text
    expires_at: int = 0  # ms: when the code stops working (the outbox keeps it no longer)


class DeliveryFailed(Exception):
    """The provider refused, failed or did not answer in time: retryable by the caller."""


class Provider(Protocol):
    name: str

    async def send(self, message: Message) -> None:
        """Deliver, or raise DeliveryFailed."""
