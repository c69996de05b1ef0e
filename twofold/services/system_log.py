"""Okta's System Log over the audit log: the one table that names our events the Okta way, the
translation of `filter` and `q` into conditions on the audit rows, and one page of events.

The rows themselves never hold a secret (R68), so a page shows them whole."""
from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass

from ..store import admin_plane as plane_store
from ..store import audit as audit_store
from ..store import servers as server_store
from ..store import users as user_store
from .runtime import Runtime


@dataclass(frozen=True)
class Kind:
    okta: str  # Okta's eventType
    message: str  # Okta's displayMessage
    admin: bool = False  # an administrator's act: the actor is the system (management API) or the
    # administrator (Admin Console, whose events carry them as "actor" in their detail); the user a target


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
    "authenticator.lifecycle.activate": Kind("security.authenticator.lifecycle.activate",
                                             "Activate authenticator", True),
    "authenticator.lifecycle.deactivate": Kind("security.authenticator.lifecycle.deactivate",
                                               "Deactivate authenticator", True),
    "policy.lifecycle.create": Kind("policy.lifecycle.create", "Add policy", True),
    "policy.lifecycle.update": Kind("policy.lifecycle.update", "Update policy", True),
    "policy.lifecycle.delete": Kind("policy.lifecycle.delete", "Delete policy", True),
    "api_token.create": Kind("system.api_token.create", "Create API token", True),
    "api_token.revoke": Kind("system.api_token.revoke", "Revoke API token", True),
    # the Admin Console's own sign-in (its password step is user.authentication.password above)
    "user.session.start": Kind("user.session.start", "User login to Okta"),
    "user.session.end": Kind("user.session.end", "User logout from Okta"),
    "user.account.privilege.grant": Kind("user.account.privilege.grant", "Grant user privilege", True),
    # apps (Okta's Apps API); Okta logs a new client secret as app.oauth2.credentials.lifecycle.*, which
    # adds a secret beside the old one: ours replaces it at once, so it keeps its own name
    "application.lifecycle.create": Kind("application.lifecycle.create", "Create application", True),
    "application.lifecycle.update": Kind("application.lifecycle.update", "Update application", True),
    "application.lifecycle.activate": Kind("application.lifecycle.activate", "Activate application", True),
    "application.lifecycle.deactivate": Kind("application.lifecycle.deactivate", "Deactivate application", True),
    "application.lifecycle.delete": Kind("application.lifecycle.delete", "Delete application", True),
    "application.client_secret.rotate": Kind("application.client_secret.rotate", "Rotate client secret", True),
    # custom authorization servers, their access policies (policy.lifecycle.* above) and rules
    "oauth2.as.created": Kind("oauth2.as.created", "Create authorization server", True),
    "oauth2.as.updated": Kind("oauth2.as.updated", "Update authorization server", True),
    "oauth2.as.activated": Kind("oauth2.as.activated", "Activate authorization server", True),
    "oauth2.as.deactivated": Kind("oauth2.as.deactivated", "Deactivate authorization server", True),
    "oauth2.as.deleted": Kind("oauth2.as.deleted", "Delete authorization server", True),
    "oauth2.as.scope.created": Kind("oauth2.scope.created", "Create OAuth2 scope", True),
    "oauth2.as.scope.updated": Kind("oauth2.scope.updated", "Update OAuth2 scope", True),
    "oauth2.as.scope.deleted": Kind("oauth2.scope.deleted", "Delete OAuth2 scope", True),
    "oauth2.as.claim.created": Kind("oauth2.claim.created", "Create OAuth2 claim", True),
    "oauth2.as.claim.updated": Kind("oauth2.claim.updated", "Update OAuth2 claim", True),
    "oauth2.as.claim.deleted": Kind("oauth2.claim.deleted", "Delete OAuth2 claim", True),
    "policy.lifecycle.activate": Kind("policy.lifecycle.activate", "Activate policy", True),
    "policy.lifecycle.deactivate": Kind("policy.lifecycle.deactivate", "Deactivate policy", True),
    "policy.rule.create": Kind("policy.rule.add", "Add policy rule", True),
    "policy.rule.update": Kind("policy.rule.update", "Update policy rule", True),
    "policy.rule.activate": Kind("policy.rule.activate", "Activate policy rule", True),
    "policy.rule.deactivate": Kind("policy.rule.deactivate", "Deactivate policy rule", True),
    "policy.rule.delete": Kind("policy.rule.delete", "Delete policy rule", True),
}
# Okta's names as a sorted list (the Admin Console offers them as suggestions).
OKTA_TYPES = sorted({k.okta for k in EVENTS.values()})
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


def _parsed(row) -> dict:
    if not row.detail:
        return {}
    try:
        data = json.loads(row.detail)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {"value": data}


def admin_of(row) -> str | None:
    """The administrator who acted in the Admin Console (services.audit adds "actor" to the detail)."""
    actor = _parsed(row).get("actor")
    return actor if isinstance(actor, str) and actor else None


def actor_ref(row) -> tuple[str, str | None]:
    """("user"|"client"|"system", id): the same rule as the `actor.id` filter below. An
    administrator in the Admin Console acts as a user, whatever the event."""
    admin = admin_of(row)
    if admin:
        return "user", admin
    if row.event_type not in ADMIN_TYPES:
        if row.user_id:
            return "user", row.user_id
        if row.client_id:
            return "client", row.client_id
    return "system", SYSTEM_ACTOR["id"]


def detail_of(row) -> dict:
    """The detail as debug data: without "actor", which the event shows as its actor."""
    data = _parsed(row)
    data.pop("actor", None)
    return data


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


# The Admin Console's administrator, found in the JSON detail as json.dumps writes it. The match is
# case-insensitive (as the store compares text); ids are 20 random base-62 characters, so two that
# differ only in case do not meet in practice.
def _by_admin(actor_id: str):
    return ("icontains", "detail", json.dumps({"actor": actor_id})[1:-1])


_NO_ADMIN = ("or", [("null", "detail"), ("not", ("icontains", "detail", '"actor": "'))])


def _actor(actor_id: str):
    if actor_id == SYSTEM_ACTOR["id"]:
        return ("and", [_NO_ADMIN, ("or", [("in", "event_type", ADMIN_TYPES),
                                           ("and", [("null", "user_id"), ("null", "client_id")])])])
    own = ("and", [_NO_ADMIN, ("not", ("in", "event_type", ADMIN_TYPES)),
                   ("or", [("eq", "user_id", actor_id),
                           ("and", [("null", "user_id"), ("eq", "client_id", actor_id)])])])
    return ("or", [_by_admin(actor_id), own])


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
            options.append(("and", [("in", "event_type", ADMIN_TYPES), _NO_ADMIN]))
        conditions.append(("or", options))
    return conditions[0] if len(conditions) == 1 else ("and", conditions)


# --- a page ---------------------------------------------------------------------------------------

def combine(conditions: list):
    """Conditions that must all hold, as one (None: no condition)."""
    conditions = [c for c in conditions if c is not None]
    return None if not conditions else conditions[0] if len(conditions) == 1 else ("and", conditions)


_CURSOR = re.compile(r"^(\d{1,16}):([0-9A-Za-z]{1,32})$")


def cursor_of(row) -> str:
    """An opaque place in the log: the page after it starts past this row."""
    return base64.urlsafe_b64encode(f"{row.at}:{row.id}".encode()).decode().rstrip("=")


def parse_cursor(text: str) -> tuple[int, str] | None:
    """(at, id) of a cursor_of, or None when `text` is not one."""
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True) if len(text) <= 80 else b""
        m = _CURSOR.match(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return (int(m.group(1)), m.group(2)) if m else None


@dataclass
class Page:
    rows: list
    more: bool  # another row exists past the last one of this page
    # names of targets and actors that the rows only name by id: store.audit.names_for_events's
    # (kind, key) -> (id, name), and ("user", id) -> (login, display name) for administrators
    names: dict


def display_name(first: str | None, last: str | None, fallback: str | None) -> str:
    name = " ".join(p for p in (first, last) if p)
    return name or fallback or "unknown"


async def _more_names(conn, rows: list, names: dict) -> None:
    """Administrators acting in the Admin Console, and custom authorization servers with their
    access policies and rules: few per page, so one small query each."""
    admins, servers, policies, rules = set(), set(), set(), set()
    for r in rows:
        d, admin = detail_of(r), admin_of(r)
        if admin and admin != r.user_id:
            admins.add(admin)
        server, policy, rule = (d.get(k) if isinstance(d.get(k), str) else None for k in ("server", "policy", "rule"))
        if server and (r.event_type.startswith("oauth2.as.") or r.event_type.startswith("policy.")):
            servers.add(server)
            if policy and ("policy", policy) not in names:
                policies.add((server, policy))
        if policy and rule and r.event_type.startswith("policy.rule."):
            rules.add((policy, rule))
    for user_id in sorted(admins):
        u = await user_store.by_id(conn, user_id)
        if u is not None:
            names[("user", user_id)] = (u.login, display_name(u.first_name, u.last_name, u.login))
    for server_id in sorted(servers):
        found = await server_store.by_id(conn, server_id)
        if found is not None:
            names[("server", server_id)] = (found.id, found.name)
    for server_id, policy_id in sorted(policies):
        found = await plane_store.server_policy(conn, server_id, policy_id)
        if found is not None:
            names[("policy", policy_id)] = (found.id, found.name)
    for policy_id, rule_id in sorted(rules):
        found = await plane_store.rule(conn, policy_id, rule_id)
        if found is not None:
            names[("rule", rule_id)] = (found.id, found.name)


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
        await _more_names(conn, rows, names)
    return Page(rows=rows, more=more, names=names)
