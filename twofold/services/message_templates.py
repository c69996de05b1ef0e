"""The texts of sent codes an administrator sets on the Phone and Email authenticators: per
channel, optionally per language, each with an id (Okta's `templateId`). Validated when saved
(placeholders {code}, {issuer}, {minutes} only, {code} required, a length per channel), picked
when a code is sent: the template an id names, else the best match for the person's languages
(Accept-Language), else the channel's template without a language, else the built-in text."""
from __future__ import annotations

import re
import string
from collections.abc import Sequence

from ..domain import ids
from ..domain.errors import ValidationFailed

PLACEHOLDERS = ("code", "issuer", "minutes")
# The longest template per channel: one SMS segment (a template longer than 160 characters
# would be split and billed twice), what a call says in about half a minute, an email body.
MAX_LENGTH = {"sms": 160, "voice": 500, "email": 2000}
MAX_TEMPLATES = 30
ID_PREFIX = "cst"  # Okta's custom SMS template ids start so
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")
_ID = re.compile(r"^[A-Za-z0-9]{1,40}$")


def _text_causes(channel: str, text, where: str) -> list[tuple[str, str]]:
    """Why `text` cannot be a template of `channel` (empty when it can)."""
    if not isinstance(text, str) or not text.strip():
        return [("templates", f"templates: {where}: The text cannot be left blank.")]
    causes = []
    if len(text) > MAX_LENGTH[channel]:
        causes.append(("templates", f"templates: {where}: At most {MAX_LENGTH[channel]} characters."))
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return causes + [("templates", f"templates: {where}: A brace is not closed; write {{{{ and }}}} for a "
                                       "literal brace.")]
    names = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            causes.append(("templates", f"templates: {where}: Unknown placeholder {{{name[:40]}}}; use "
                                        f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)}."))
        names.append(name)
    if "code" not in names:
        causes.append(("templates", f"templates: {where}: The text must contain {{code}}."))
    return causes


def validate(channels: Sequence[str], templates) -> list[dict]:
    """The templates as kept ({id, channel, language, text}; a new one gets an id), or
    ValidationFailed naming every problem."""
    if templates is None:
        return []
    if not isinstance(templates, list) or len(templates) > MAX_TEMPLATES:
        raise ValidationFailed("authenticator", [("templates", f"templates: Must be a list of at most "
                                                               f"{MAX_TEMPLATES} templates.")])
    kept, causes, seen_ids, seen_pairs = [], [], set(), set()
    for n, entry in enumerate(templates, 1):
        if not isinstance(entry, dict):
            causes.append(("templates", f"templates: Template {n}: Must be an object."))
            continue
        channel, language, text = entry.get("channel"), entry.get("language") or None, entry.get("text")
        template_id = entry.get("id") or ids.okta_id(ID_PREFIX)
        where = f"Template {n}"
        if channel not in channels:
            causes.append(("templates", f"templates: {where}: channel must be one of {', '.join(channels)}."))
            continue
        if language is not None and (not isinstance(language, str) or not _LANGUAGE.match(language)):
            causes.append(("templates", f"templates: {where}: language must be a language tag such as fr or "
                                        "pt-BR."))
            continue
        if not isinstance(template_id, str) or not _ID.match(template_id):
            causes.append(("templates", f"templates: {where}: id must be 1 to 40 letters and digits."))
            continue
        language = language.lower() if language else None
        if template_id in seen_ids or (channel, language) in seen_pairs:
            causes.append(("templates", f"templates: {where}: Another template has this id, or this channel and "
                                        "language."))
            continue
        found = _text_causes(channel, text, where)
        causes += found
        if not found:
            seen_ids.add(template_id)
            seen_pairs.add((channel, language))
            kept.append({"id": template_id, "channel": channel, "language": language, "text": text})
    if causes:
        raise ValidationFailed("authenticator", causes)
    return kept


def languages_of(accept_language: str | None, limit: int = 8) -> tuple[str, ...]:
    """The language tags of an Accept-Language header, best first (q=0 ones left out)."""
    found = []
    for item in (accept_language or "")[:500].split(","):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and _LANGUAGE.match(tag) and quality > 0:
            found.append((-quality, len(found), tag.lower()))
    return tuple(tag for _, _, tag in sorted(found))[:limit]


def pick(settings: dict, channel: str, *, template_id: str | None = None,
         languages: Sequence[str] = ()) -> str | None:
    """The template text for a code sent on `channel`; None: the built-in text. An id that
    names no template of this channel is refused (the caller asked for that one)."""
    mine = [t for t in settings.get("templates") or () if t.get("channel") == channel]
    if template_id is not None:
        chosen = next((t for t in mine if t.get("id") == template_id), None)
        if chosen is None:
            raise ValidationFailed("template", [("templateId", "templateId: No message template of this "
                                                                "authenticator has this id.")])
        return _spoken(channel, chosen["text"])
    by_language = {t.get("language"): t["text"] for t in mine}
    for wanted in languages:
        wanted = wanted.lower()
        if wanted in by_language:
            return _spoken(channel, by_language[wanted])
        primary = wanted.split("-")[0]
        for language, text in by_language.items():
            if language and language.split("-")[0] == primary:
                return _spoken(channel, text)
    text = by_language.get(None)
    return _spoken(channel, text) if text is not None else None


def _spoken(channel: str, text: str) -> str:
    """A call says the code digit by digit: its {code} is the spoken form (literal braces stay)."""
    if channel != "voice":
        return text
    out = []
    for literal, name, _, _ in string.Formatter().parse(text):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append("{spoken}" if name == "code" else "{" + name + "}")
    return "".join(out)
