"""Okta wire shapes: timestamps and the user object."""
from __future__ import annotations

from datetime import datetime, timezone

from ...services.users import profile_of


def iso(ms: int | None) -> str | None:
    """ISO-8601 with milliseconds and Z, as Okta writes it."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def user_object(row, base_url: str) -> dict:
    return {
        "id": row.id,
        "status": row.status,
        "created": iso(row.created_at),
        "activated": iso(row.activated_at),
        "statusChanged": iso(row.status_changed_at),
        "lastLogin": iso(row.last_login_at),
        "lastUpdated": iso(row.last_updated_at),
        "passwordChanged": iso(row.password_changed_at),
        "type": {"id": "oty00000000000000000"},
        "profile": profile_of(row),
        "credentials": {
            **({"password": {}} if row.password_hash else {}),
            "provider": {"type": "OKTA", "name": "OKTA"},
        },
        "_links": {"self": {"href": f"{base_url}api/v1/users/{row.id}"}},
    }
