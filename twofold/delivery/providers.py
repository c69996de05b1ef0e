"""The provider of each channel, from the settings (TWOFOLD_SMS_PROVIDER, TWOFOLD_VOICE_PROVIDER,
TWOFOLD_EMAIL_PROVIDER), built once per process."""
from __future__ import annotations

from ..config import Settings
from . import Provider
from .outbox import Outbox
from .webhook import Webhook


class ProviderMissing(ValueError):
    """A provider is chosen without the settings it needs (reported at start-up)."""


def _build(name: str, settings: Settings, db, clock) -> Provider:
    if name == "outbox":
        return Outbox(db, clock)
    if name == "webhook":
        if not settings.sms_webhook_url:
            raise ProviderMissing("TWOFOLD_SMS_PROVIDER=webhook needs TWOFOLD_SMS_WEBHOOK_URL")
        return Webhook(settings.sms_webhook_url, settings.sms_webhook_secret, settings.delivery_timeout)
    raise ProviderMissing(f"unknown delivery provider {name!r}")


def build(settings: Settings, db, clock) -> dict[str, Provider]:
    """{"sms": …, "voice": …, "email": …}."""
    sms = _build(settings.sms_provider, settings, db, clock)
    voice_name = settings.voice_provider or settings.sms_provider
    voice = sms if voice_name == settings.sms_provider else _build(voice_name, settings, db, clock)
    return {"sms": sms, "voice": voice, "email": _build(settings.email_provider, settings, db, clock)}
