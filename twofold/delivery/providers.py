"""The provider of each channel, from the settings (TWOFOLD_SMS_PROVIDER, TWOFOLD_VOICE_PROVIDER,
TWOFOLD_EMAIL_PROVIDER), built once per process. A provider chosen without the settings it
needs is ProviderMissing, which `twofold serve` reports before it listens."""
from __future__ import annotations

from ..config import Settings
from . import CHANNELS, Provider
from .outbox import Outbox
from .smtp import Smtp
from .twilio import Twilio
from .webhook import Webhook


class ProviderMissing(ValueError):
    """A provider is chosen without the settings it needs (reported at start-up)."""


def _require(settings: Settings, chosen: str, *names: str) -> None:
    missing = [f"TWOFOLD_{n.upper()}" for n in names if not getattr(settings, n)]
    if missing:
        raise ProviderMissing(f"{chosen} needs {' and '.join(missing)}")


def _build(name: str, variable: str, settings: Settings, db, clock) -> Provider:
    chosen = f"{variable}={name}"
    if name == "outbox":
        return Outbox(db, clock)
    if name == "webhook":
        _require(settings, chosen, "sms_webhook_url")
        return Webhook(settings.sms_webhook_url, settings.sms_webhook_secret, settings.delivery_timeout)
    if name == "twilio":
        _require(settings, chosen, "twilio_account_sid", "twilio_auth_token", "twilio_from")
        return Twilio(settings.twilio_api_url, settings.twilio_account_sid, settings.twilio_auth_token,
                      settings.twilio_from, settings.delivery_timeout)
    if name == "smtp":
        _require(settings, chosen, "smtp_host")
        if settings.smtp_username and settings.smtp_tls == "none":
            # AUTH over a plain connection would hand the password to anyone on the path.
            raise ProviderMissing(f"{chosen} with TWOFOLD_SMTP_USERNAME needs TWOFOLD_SMTP_TLS=starttls or tls")
        return Smtp(settings.smtp_host, settings.smtp_port, settings.smtp_username, settings.smtp_password,
                    settings.smtp_tls, settings.email_from, settings.delivery_timeout)
    raise ProviderMissing(f"unknown delivery provider {chosen!r}")


def build(settings: Settings, db, clock) -> dict[str, Provider]:
    """{"sms": …, "voice": …, "email": …}."""
    sms = _build(settings.sms_provider, "TWOFOLD_SMS_PROVIDER", settings, db, clock)
    voice_name = settings.voice_provider or settings.sms_provider
    voice = sms if voice_name == settings.sms_provider else _build(voice_name, "TWOFOLD_VOICE_PROVIDER", settings,
                                                                    db, clock)
    return {"sms": sms, "voice": voice, "email": _build(settings.email_provider, "TWOFOLD_EMAIL_PROVIDER",
                                                        settings, db, clock)}


def check(runtime) -> None:
    """Build every channel's provider now (app start-up; `serve` checks the settings before
    that, with no database), so a missing setting stops the server with its name instead of
    failing the first user's send."""
    for channel in CHANNELS:
        runtime.provider(channel)
