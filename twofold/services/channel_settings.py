"""The settings of the authenticators that send codes (Phone: sms and voice; Email), as
rules: which channels are on, what the authenticator may be used for (`allowedFor`; a second
factor at sign-in needs any or sso, R26), and how long a code lives (R20). Pure functions over
a settings dict, for org_authenticators' cached rules and the send path."""
from __future__ import annotations

from .. import authenticators

SIGN_IN = ("any", "sso")  # the allowedFor values that let a factor be a second factor at sign-in
MAX_CODE_MINUTES = 10  # R20: a sent code lives at most this long, whatever a setting says


def channel_types(key: str) -> dict[str, str]:
    """channel → factor type, for the types of `key` that send a code (Phone: sms → sms,
    voice → call; Email: email → email); empty for the others."""
    return {kind.channel: kind.type for kind in authenticators.REGISTRY.values()
            if kind.channel is not None and any(kind.authenticator_key(p) == key for p in kind.okta_providers)}


def enabled_channels(key: str, settings: dict) -> tuple[str, ...]:
    """The channels turned on (all of the key's when the settings name none: the default)."""
    mine = tuple(channel_types(key))
    chosen = settings.get("channels")
    return mine if chosen is None else tuple(c for c in mine if c in chosen)


def off_types(key: str, settings: dict) -> set[str]:
    """The factor types of `key` that cannot be used at sign-in under these settings."""
    types = channel_types(key)
    if not types:
        return set()
    if settings.get("allowedFor", "any") not in SIGN_IN:
        return set(types.values())
    on = enabled_channels(key, settings)
    return {t for channel, t in types.items() if channel not in on}


def enrollment_refusal(key: str, settings: dict, factor_type: str | None) -> str | None:
    """Why a factor of `factor_type` cannot be enrolled under `key`'s settings, or None: its
    channel is off, or the authenticator is allowed for nothing (recovery-only still enrolls:
    the factor exists for recovery, it is just no second factor at sign-in)."""
    types = channel_types(key)
    if not types or factor_type not in types.values():
        return None
    if settings.get("allowedFor", "any") == "none":
        return f"The {key} authenticator is not allowed for any use."
    channel = next(c for c, t in types.items() if t == factor_type)
    if channel not in enabled_channels(key, settings):
        return f"The {channel} channel of the {key} authenticator is turned off."
    return None


def code_lifetime(default_seconds: int, settings: dict) -> int:
    """A sent code's lifetime in seconds: the authenticator's tokenLifetimeInMinutes where set,
    else the server's default, and never more than R20's ten minutes."""
    minutes = settings.get("tokenLifetimeInMinutes")
    seconds = minutes * 60 if type(minutes) is int and minutes > 0 else default_seconds
    return min(seconds, MAX_CODE_MINUTES * 60)
