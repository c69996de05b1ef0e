"""Reading the members of a JSON body the management API was sent: wrong types are a
validation error (400 in the dialect's format), never an exception from deeper down."""
from __future__ import annotations

from ..domain.errors import ValidationFailed


def obj(value, what: str, field: str) -> dict:
    """An object member; absent or null is {}."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationFailed(what, [(field, f"{field}: Must be an object.")])
    return value


def whole(value, what: str, field: str, lo: int, hi: int, default: int) -> int:
    """A whole number from lo to hi (JSON true/false and 6.0 are not whole numbers)."""
    if value is None:
        return default
    if type(value) is not int or not lo <= value <= hi:
        raise ValidationFailed(what, [(field, f"{field}: Must be a whole number from {lo} to {hi}.")])
    return value


def name(body: dict, what: str) -> str:
    value = body.get("name")
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(what, [("name", "name: The field cannot be left blank")])
    if len(value) > 200:
        raise ValidationFailed(what, [("name", "name: At most 200 characters")])
    return value.strip()


def description(body: dict, default: str | None = None) -> str | None:
    value = body.get("description", default)
    return str(value)[:1000] or None if value is not None else None
