"""Security › Authenticators › Edit Phone / Edit Email: the settings of the authenticators that
send codes (channels, what they may be used for, how long a code lives, the message templates
per channel and language), saved through the same service as Okta's PUT
/api/v1/authenticators/{id}, so the console refuses what the API refuses."""
from __future__ import annotations

from starlette.responses import Response

from ...domain.errors import DomainError
from ...services import channel_settings, message_templates, org_authenticators
from .web import Console

KEYS = ("phone_number", "okta_email")
CHANNEL_NAMES = {"sms": "SMS", "voice": "Voice call", "email": "Email"}
# Okta's Admin Console words for allowedFor.
USES = [("any", "Any use: sign-in and recovery"), ("sso", "Sign-in only"), ("recovery", "Recovery only"),
        ("none", "Not used")]
FIELDS = {"allowedFor": "Used for", "channels": "Channels", "tokenLifetimeInMinutes": "Code lifetime",
          "templates": "Message templates"}


def _values(row, default_minutes: int) -> dict:
    """The form's values from the stored settings."""
    settings = org_authenticators.settings_of(row)
    templates = settings.get("templates") or []
    return {
        "allowedFor": settings.get("allowedFor", "any"),
        "channels": list(channel_settings.enabled_channels(row.key, settings)),
        "lifetime": str(settings.get("tokenLifetimeInMinutes", default_minutes)),
        "defaults": {t["channel"]: t["text"] for t in templates if not t.get("language")},
        "default_ids": {t["channel"]: t["id"] for t in templates if not t.get("language")},
        "variants": [dict(t, removed=False) for t in templates if t.get("language")],
        "new": {"channel": "", "language": "", "text": ""},
    }


def page(c: Console, row, values: dict | None = None, exc: DomainError | None = None, refusal=None) -> Response:
    """`refusal`: the (status, shown) the caller made of `exc` in this page's words."""
    default_minutes = max(1, c.rt.settings.oob_code_ttl // 60)
    ctx = dict(section="authenticators", title=f"Edit {row.name}", row=row,
               values=values or _values(row, default_minutes), channels=list(channel_settings.channel_types(row.key)),
               channel_names=CHANNEL_NAMES, uses=USES, max_length=message_templates.MAX_LENGTH,
               cap=channel_settings.MAX_CODE_MINUTES, default_minutes=default_minutes, invalid=set())
    if exc is None:
        return c.page("authenticators_channels.html", **ctx)
    status, shown = refusal
    ctx["invalid"] = {field for field, _ in getattr(exc, "causes", [])}
    return c.page("authenticators_channels.html", status=status, error=shown, **ctx)


def read_form(c: Console, row) -> tuple[dict, dict]:
    """(the form's values to show again, the settings to save)."""
    stored = _values(row, 0)
    channels = list(channel_settings.channel_types(row.key))
    values = {
        "allowedFor": c.form.get("allowedFor"),
        "channels": [ch for ch in channels if ch in c.form.getlist("channels")] if len(channels) > 1 else channels,
        "lifetime": c.form.get("lifetime"),
        "defaults": {ch: c.form.get("default-" + ch) for ch in channels},
        "default_ids": stored["default_ids"],
        "variants": [dict(v, text=c.form.get("text-" + v["id"], v["text"]), removed="remove-" + v["id"] in c.form)
                     for v in stored["variants"]],
        "new": {k: c.form.get("new-" + k) for k in ("channel", "language", "text")},
    }
    templates = [{"id": values["default_ids"].get(ch), "channel": ch, "text": text}
                 for ch, text in values["defaults"].items() if text]
    templates += [{"id": v["id"], "channel": v["channel"], "language": v["language"], "text": v["text"]}
                  for v in values["variants"] if not v["removed"]]
    if values["new"]["text"] or values["new"]["language"]:
        templates.append({"channel": values["new"]["channel"], "language": values["new"]["language"] or None,
                          "text": values["new"]["text"]})
    lifetime = values["lifetime"]
    settings = {"allowedFor": values["allowedFor"], "templates": templates,
                "tokenLifetimeInMinutes": int(lifetime) if lifetime.isascii() and lifetime.isdigit()
                and len(lifetime) < 7 else lifetime}
    if len(channels) > 1:
        settings["channels"] = values["channels"]
    return values, settings
