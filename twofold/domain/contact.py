"""Phone numbers and email addresses a code is sent to: parsed and checked once, at
enrollment (phonenumbers, Google's libphonenumber), stored in E.164, and masked wherever they
are listed (the full value only for an administrator who asks for it)."""
from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

# Numbers a code is never sent to: premium-rate and shared-cost lines cost the org money per
# message (SMS pumping, R27); personal numbers and UANs are not a person's own phone.
REFUSED_TYPES = {PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST, PhoneNumberType.UAN,
                 PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.PAGER, PhoneNumberType.VOICEMAIL}
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MAX_EMAIL = 254


class BadContact(ValueError):
    """Why a number or address cannot receive codes (the message names the field's problem)."""


def parse_phone(text: str) -> str:
    """The number in E.164, or BadContact. Without a leading "+", the number is read as a
    North American one (Okta's examples: "+1-555-415-1337", "555-415-1337")."""
    if not isinstance(text, str) or not text.strip() or len(text) > 64:
        raise BadContact("The phone number is not valid.")
    try:
        number = phonenumbers.parse(text, None if text.strip().startswith("+") else "US")
    except NumberParseException as exc:
        raise BadContact("The phone number is not valid.") from exc
    if not phonenumbers.is_valid_number(number):
        raise BadContact("The phone number is not valid.")
    if phonenumbers.number_type(number) in REFUSED_TYPES:
        raise BadContact("Codes cannot be sent to this kind of phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_email(text: str) -> str:
    if not isinstance(text, str) or len(text) > MAX_EMAIL or not _EMAIL.match(text.strip()):
        raise BadContact("The email address is not valid.")
    return text.strip()


def country_code(e164: str) -> str:
    """The country calling code of an E.164 number ("1", "44", …): a send budget's key."""
    return str(phonenumbers.parse(e164, None).country_code)


def mask_phone(e164: str) -> str:
    """Okta's masking: the country code and the last four digits, in the international
    grouping ("+1 XXX-XXX-2046", "+44 XX XXXX 0000")."""
    number = phonenumbers.parse(e164, None)
    shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    prefix = f"+{number.country_code}"
    rest = shown[len(prefix):]
    digits = sum(c.isdigit() for c in rest)
    out, seen = [], 0
    for c in rest:
        if c.isdigit():
            seen += 1
            out.append(c if seen > digits - 4 else "X")
        else:
            out.append(c)
    return prefix + "".join(out)


def mask_phone_digits(e164: str) -> str:
    """Auth0's masking in /mfa/authenticators: every digit but the last four ("XXXXXXXXX2046")."""
    digits = e164.lstrip("+")
    return "X" * (len(digits) - 4) + digits[-4:]


def mask_email(address: str) -> str:
    """The first character of the local part, the domain whole ("j***@example.com")."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
