"""Reading the members of a JSON body the management API was sent: a member of the wrong JSON
type is a validation error naming the member (400 in the dialect's format), never a silent
coercion nor an exception from deeper down. Null is an absent member: its default applies."""
from __future__ import annotations

from ..domain.errors import ValidationFailed


def _refuse(what: str, field: str, message: str):
    raise ValidationFailed(what, [(field, f"{field}: {message}")])


def obj(value, what: str, field: str) -> dict:
    """An object member; absent or null is {}."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        _refuse(what, field, "Must be an object.")
    return value


def whole(value, what: str, field: str, lo: int, hi: int, default: int) -> int:
    """A whole number from lo to hi (JSON true/false and 6.0 are not whole numbers)."""
    if value is None:
        return default
    if type(value) is not int or not lo <= value <= hi:
        _refuse(what, field, f"Must be a whole number from {lo} to {hi}.")
    return value


def text(value, what: str, field: str, default: str | None = None, limit: int = 300) -> str | None:
    """An optional string of at most `limit` characters; "" is None."""
    if value is None:
        return default
    if not isinstance(value, str) or len(value) > limit:
        _refuse(what, field, f"Must be text of at most {limit} characters.")
    return value or None


def choice(value, what: str, field: str, allowed: tuple, default: str | None) -> str | None:
    """One of `allowed` (strings), or the default when absent."""
    if value is None:
        return default
    if not isinstance(value, str) or value not in allowed:
        _refuse(what, field, f"Must be one of {', '.join(allowed)}.")
    return value


def flag(value, what: str, field: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        _refuse(what, field, "Must be true or false.")
    return value


def strings(value, what: str, field: str, default: list[str] | None = None, *, limit: int = 100,
            item_limit: int = 2000) -> list[str]:
    """A list of at most `limit` non-empty strings; absent or null is the default (or [])."""
    if value is None:
        return list(default or [])
    if (not isinstance(value, list) or len(value) > limit
            or not all(isinstance(v, str) and v and len(v) <= item_limit for v in value)):
        _refuse(what, field, "Must be a list of strings.")
    return value


def name(body: dict, what: str) -> str:
    value = body.get("name")
    if not isinstance(value, str) or not value.strip():
        _refuse(what, "name", "The field cannot be left blank")
    if len(value) > 200:
        _refuse(what, "name", "At most 200 characters")
    return value.strip()


def description(body: dict, default: str | None = None, what: str = "description") -> str | None:
    """The optional `description`: text of at most 1000 characters (longer is cut); absent
    keeps the default, null clears it."""
    value = body.get("description", default)
    if value is None:
        return None
    if not isinstance(value, str):
        _refuse(what, "description", "Must be text.")
    return value[:1000] or None


STATUSES = ("ACTIVE", "INACTIVE")


def status(body: dict, what: str, default: str) -> str:
    """A lifecycle `status` given in a body: ACTIVE or INACTIVE."""
    return choice(body.get("status"), what, "status", STATUSES, default)
