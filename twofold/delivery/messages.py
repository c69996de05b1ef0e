"""The text of a code's message per channel. An authenticator's settings may carry templates
(with {code}, {issuer}, {minutes}); these are the defaults."""
from __future__ import annotations

from html import escape

from . import Message

SMS = "Your {issuer} verification code is {code}. It expires in {minutes} minutes."
# Said digit by digit, twice: a voice reads "123456" as a number.
VOICE = "Your {issuer} verification code is {spoken}. Again, your code is {spoken}."
EMAIL_SUBJECT = "Your {issuer} verification code"
EMAIL = "Your {issuer} verification code is {code}.\n\nIt expires in {minutes} minutes. If you did not ask for it, " \
        "ignore this message."


def compose(channel: str, to: str, code: str, *, issuer: str, minutes: int, expires_at: int,
            template: str | None = None) -> Message:
    values = {"code": code, "issuer": issuer, "minutes": minutes, "spoken": ", ".join(code)}
    if channel == "email":
        text = (template or EMAIL).format(**values)
        html = "<p>" + "</p><p>".join(escape(p) for p in text.split("\n\n")) + "</p>"
        return Message("email", to, text, subject=EMAIL_SUBJECT.format(**values), html=html, expires_at=expires_at)
    default = VOICE if channel == "voice" else SMS
    return Message(channel, to, (template or default).format(**values), expires_at=expires_at)
