"""Okta's names for the services' neutral ones. The services read and name neutral fields
(`client_name`, `display_name`, `scopes`); an adapter reads Okta's body into them and names
a refusal by the member the caller sent."""
from __future__ import annotations

from ...domain.errors import ValidationFailed


def renamed(body: dict, names: dict[str, str]) -> dict:
    """The members of `body` that `names` maps (Okta's name: the service's), under the
    service's names; an absent member stays absent (its default, or the stored value, applies)."""
    return {neutral: body[member] for member, neutral in names.items() if member in body}


def in_okta_terms(exc: ValidationFailed, paths: dict[str, str]) -> ValidationFailed:
    """The service's causes, named by Okta's member paths (a message that starts with the field's
    name starts with the path instead)."""
    causes = []
    for field, message in exc.causes:
        path = paths.get(field, field)
        named = message.startswith(field + ": ") or message.startswith(field + " ")
        causes.append((path, path + message[len(field):] if named else message))
    return ValidationFailed(exc.what, causes)
