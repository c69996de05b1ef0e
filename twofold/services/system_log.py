"""Okta's System Log over the audit log: the one table that names our events the Okta way, the
translation of `filter` and `q` into conditions on the audit rows, and one page of events.

The rows themselves never hold a secret (R68), so a page shows them whole."""
from __future__ import annotations

import json
from dataclasses import dataclass

from ..store import audit as audit_store
from .runtime import Runtime


@dataclass(frozen=True)
class Kind:
    okta: str  # Okta's eventType
    message: str  # Okta's displayMessage
    admin: bool = False  # done through the management API: the actor is the system, the user a target


# Our event_type -> how Okta shows it. Names without a known Okta equivalent keep ours (and so
# does any event type missing here). Documented in docs/compatibility.md ("System Log").
EVENTS: dict[str, Kind] = {
    "user.authentication.password": Kind("user.session.start", "User login to Okta"),
    "mfa.verify": Kind("user.authentication.auth_via_mfa", "Authentication of user via MFA"),
    "mfa.challenge": Kind("mfa.challenge", "MFA challenge issued"),
    "user.mfa.lockout": Kind("user.account.lock", "Max sign in attempts exceeded"),
    "factor.enroll": Kind("user.mfa.factor.update", "Enroll factor"),
    "factor.activate": Kind("user.mfa.factor.activate", "Activate factor or authenticator"),
    "factor.delete": Kind("user.mfa.factor.deactivate", "Reset factor for user"),
    "user.mfa.factor.reset_all": Kind("user.mfa.factor.reset_all", "Reset all factors for user", True),
    "token.issue": Kind("app.oauth2.as.token.grant.access_token", "OAuth2 access token is granted"),
    "token.refresh": Kind("token.refresh", "Refresh token reuse detected"),
    "token.revoke": Kind("token.revoke", "Refresh token revoked"),
    "user.lifecycle.create": Kind("user.lifecycle.create", "Create Okta user", True),
    "user.lifecycle.activate": Kind("user.lifecycle.activate", "Activate Okta user", True),
    "user.lifecycle.deactivate": Kind("user.lifecycle.deactivate", "Deactivate Okta user", True),
    "user.lifecycle.suspend": Kind("user.lifecycle.suspend", "Suspend Okta user", True),
    "user.lifecycle.unsuspend": Kind("user.lifecycle.unsuspend", "Unsuspend Okta user", True),
    "user.lifecycle.delete.completed": Kind("user.lifecycle.delete.completed", "Delete Okta user completed", True),
    "user.account.update_profile": Kind("user.account.update_profile", "Update user profile for Okta", True),
    "user.account.update_password": Kind("user.account.update_password", "Update user password", True),
    "user.account.unlock": Kind("user.account.unlock", "Unlock user account", True),
    "authenticator.create": Kind("security.authenticator.lifecycle.create", "Create authenticator", True),
    "authenticator.update": Kind("security.authenticator.lifecycle.update", "Update authenticator", True),
    "authenticator.lifecycle.activate": Kind("security.authenticator.lifecycle.activate", "Activate authenticator", True),
    "authenticator.lifecycle.deactivate": Kind("security.authenticator.lifecycle.deactivate",
                                               "Deactivate authenticator", True),
    "policy.lifecycle.create": Kind("policy.lifecycle.create", "Add policy", True),
    "policy.lifecycle.update": Kind("policy.lifecycle.update", "Update policy", True),
    "policy.lifecycle.delete": Kind("policy.lifecycle.delete", "Delete policy", True),
    "api_token.create": Kind("system.api_token.create", "Create API token", True),
    "api_token.revoke": Kind("system.api_token.revoke", "Revoke API token", True),
}
ADMIN_TYPES = frozenset(t for t, k in EVENTS.items() if k.admin)
# Our reasons -> Okta-style outcome reasons; others are shown upper-cased.
REASONS = {
    "invalid_credentials": "INVALID_CREDENTIALS",
    "invalid_code": "INVALID_CREDENTIALS",
    "replayed": "PASSCODE_REPLAYED",
    "locked_out": "LOCKED_OUT",
}
WARN_TYPES = frozenset({"user.mfa.lockout", "token.refresh"})

# The actor of management-API events: audit rows do not record which API token acted.
SYSTEM_ACTOR = {"id": "system", "type": "SystemPrincipal", "alternateId": "system", "displayName": "Management API"}


def kind_of(event_type: str) -> Kind:
    return EVENTS.get(event_type) or Kind(event_type, event_type)


def reason_of(reason: str | None) -> str | None:
    if not reason:
        return None
    return REASONS.get(reason, reason.upper())[:255]


def severity_of(event_type: str, outcome: str) -> str:
    return "WARN" if outcome != "SUCCESS" or event_type in WARN_TYPES else "INFO"


def actor_ref(row) -> tuple[str, str | None]:
    """("user"|"client"|"system", id): the same rule as the `actor.id` filter below."""
    if row.event_type not in ADMIN_TYPES:
        if row.user_id:
            return "user", row.user_id
        if row.client_id:
            return "client", row.client_id
    return "system", SYSTEM_ACTOR["id"]


def detail_of(row) -> dict:
    if not row.detail:
        return {}
    try:
        data = json.loads(row.detail)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {"value": data}


# --- filter: the comparisons Okta's SCIM `filter` may use here (grammar: dialects/okta/scim_filter)

FILTER_ATTRIBUTES = {"eventType": ("eq", "sw", "co"), "outcome.result": ("eq",), "actor.id": ("eq",)}


def _event_types(op: str, value: str):
    """Rows whose shown eventType matches: ours mapped to a matching Okta name, and unmapped
    names that match themselves. Case-insensitive, as SCIM compares strings."""
    v = value.lower()
    test = {"eq": lambda n: n.lower() == v, "sw": lambda n: n.lower().startswith(v),
            "co": lambda n: v in n.lower()}[op]
    mapped = {t for t, k in EVENTS.items() if test(k.okta)}
    sql = {"eq": "ieq", "sw": "istartswith", "co": "icontains"}[op]
    unmapped = ("and", [("not", ("in", "event_type", set(EVENTS))), (sql, "event_type", value)])
    return ("or", [("in", "event_type", mapped), unmapped])


def _actor(actor_id: str):
    if actor_id == SYSTEM_ACTOR["id"]:
        return ("or", [("in", "event_type", ADMIN_TYPES),
                       ("and", [("null", "user_id"), ("null", "client_id")])])
    return ("and", [("not", ("in", "event_type", ADMIN_TYPES)),
                    ("or", [("eq", "user_id", actor_id),
                            ("and", [("null", "user_id"), ("eq", "client_id", actor_id)])])])


def condition(attribute: str, op: str, literal: str):
    """One comparison of FILTER_ATTRIBUTES as a condition for store.audit.event_page."""
    if attribute == "eventType":
        return _event_types(op, literal)
    if attribute == "outcome.result":
        return ("eq", "outcome", literal.upper())
    return _actor(literal)


# --- q: keywords ----------------------------------------------------------------------------------

MAX_KEYWORDS, MAX_KEYWORD = 10, 40
_TEXT_COLUMNS = ("ip", "user_id", "client_id", "factor_id", "login", "first_name", "last_name", "client_name",
                 "factor_provider", "factor_type", "detail")


class BadKeywords(Exception):
    pass


def parse_keywords(q: str):
    """Every keyword (case-insensitive) must occur in the eventType, the displayMessage, the
    actor, a target or the client's IP address."""
    words = q.split()
    if len(words) > MAX_KEYWORDS or any(len(w) > MAX_KEYWORD for w in words):
        raise BadKeywords(f"'q': at most {MAX_KEYWORDS} keywords of at most {MAX_KEYWORD} characters each")
    if not words:
        return None
    conditions = []
    for word in words:
        w = word.lower()
        shown = {t for t, k in EVENTS.items() if w in k.okta.lower() or w in k.message.lower()}
        options = [("in", "event_type", shown),
                   ("and", [("not", ("in", "event_type", set(EVENTS))), ("icontains", "event_type", w)])]
        options += [("icontains", c, w) for c in _TEXT_COLUMNS]
        if w in SYSTEM_ACTOR["displayName"].lower() or w in SYSTEM_ACTOR["type"].lower():
            options.append(("in", "event_type", ADMIN_TYPES))
        conditions.append(("or", options))
    return conditions[0] if len(conditions) == 1 else ("and", conditions)


# --- a page ---------------------------------------------------------------------------------------

@dataclass
class Page:
    rows: list
    more: bool  # another row exists past the last one of this page
    names: dict  # store.audit.names_for_events


async def page(rt: Runtime, *, since: int | None, until: int, after: tuple[int, str] | None, descending: bool,
               limit: int, where=None) -> Page:
    async with rt.db.transaction() as conn:
        rows = await audit_store.event_page(conn, since=since, until=until, after=after, descending=descending,
                                            limit=limit + 1, where=where)
        more = len(rows) > limit
        rows = rows[:limit]
        keys, policies, tokens = set(), set(), set()
        for r in rows:
            d = detail_of(r)
            if r.event_type.startswith("authenticator.") and isinstance(d.get("key"), str):
                keys.add(d["key"])
            if r.event_type.startswith("policy.") and isinstance(d.get("policy"), str):
                policies.add(d["policy"])
            if r.event_type.startswith("api_token.") and isinstance(d.get("token"), str):
                tokens.add(d["token"])
        names = await audit_store.names_for_events(conn, authenticator_keys=keys, policy_ids=policies,
                                                   api_token_ids=tokens)
    return Page(rows=rows, more=more, names=names)
