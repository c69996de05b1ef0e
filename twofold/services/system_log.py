"""The audit log read as a log: who acted in an event, conditions on the audit rows (the
condition trees of store.audit.event_page), opaque cursors, and one page of events with the
names of their targets. Dialect-neutral: how a dialect names the events, and searches by
those names, lives with the dialect.

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

# An administrator's acts: their actor is the system (the management API or the CLI: the row does
# not record which API token acted) or the administrator (the Admin Console, whose events carry
# them as "actor" in their detail); the user of such an event is a target, never its actor.
ADMIN_TYPES = frozenset({
    "user.mfa.factor.reset_all", "factor.recovery_code.regenerate",
    "user.lifecycle.create", "user.lifecycle.activate", "user.lifecycle.deactivate", "user.lifecycle.suspend",
    "user.lifecycle.unsuspend", "user.lifecycle.delete.completed",
    "user.account.update_profile", "user.account.update_password", "user.account.unlock",
    "user.account.privilege.grant", "factor.destination.reveal",
    "authenticator.create", "authenticator.update", "authenticator.lifecycle.activate",
    "authenticator.lifecycle.deactivate", "authenticator.method.activate", "authenticator.method.deactivate",
    "policy.lifecycle.create", "policy.lifecycle.update", "policy.lifecycle.delete", "policy.lifecycle.activate",
    "policy.lifecycle.deactivate",
    "policy.rule.create", "policy.rule.update", "policy.rule.activate", "policy.rule.deactivate", "policy.rule.delete",
    "api_token.create", "api_token.revoke",
    "application.lifecycle.create", "application.lifecycle.update", "application.lifecycle.activate",
    "application.lifecycle.deactivate", "application.lifecycle.delete", "application.client_secret.rotate",
    "oauth2.as.created", "oauth2.as.updated", "oauth2.as.activated", "oauth2.as.deactivated", "oauth2.as.deleted",
    "oauth2.as.scope.created", "oauth2.as.scope.updated", "oauth2.as.scope.deleted",
    "oauth2.as.claim.created", "oauth2.as.claim.updated", "oauth2.as.claim.deleted",
})
SYSTEM = "system"  # the id of the system as an actor


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
    """("user"|"client"|"system", id): the same rule as acted_by below. An administrator in the
    Admin Console acts as a user, whatever the event."""
    admin = admin_of(row)
    if admin:
        return "user", admin
    if row.event_type not in ADMIN_TYPES:
        if row.user_id:
            return "user", row.user_id
        if row.client_id:
            return "client", row.client_id
    return "system", SYSTEM


def detail_of(row) -> dict:
    """The detail as debug data: without "actor", which the event shows as its actor."""
    data = _parsed(row)
    data.pop("actor", None)
    return data


# --- conditions on the rows -----------------------------------------------------------------------

def types_named(matching: set[str], named: set[str], op: str, text: str):
    """Rows whose event type a dialect shows under a name that matches: the `matching` ones of
    the types it names (`named`), and the types it does not name whose own name compares with
    `text` by `op` ("ieq"|"istartswith"|"icontains")."""
    return ("or", [("in", "event_type", matching),
                   ("and", [("not", ("in", "event_type", named)), (op, "event_type", text)])])


def outcome_is(outcome: str):
    return ("eq", "outcome", outcome)


# The Admin Console's administrator, found in the JSON detail as json.dumps writes it. The match is
# case-insensitive (as the store compares text); ids are 20 random base-62 characters, so two that
# differ only in case do not meet in practice.
def _by_admin(actor_id: str):
    return ("icontains", "detail", json.dumps({"actor": actor_id})[1:-1])


_NO_ADMIN = ("or", [("null", "detail"), ("not", ("icontains", "detail", '"actor": "'))])
# An administrator's acts outside the Admin Console: the system's, whatever the row's user or client.
SYSTEM_ADMIN_ACTS = ("and", [("in", "event_type", ADMIN_TYPES), _NO_ADMIN])


def acted_by(actor_id: str):
    """Rows whose actor (actor_ref) has this id (SYSTEM: the system)."""
    if actor_id == SYSTEM:
        return ("and", [_NO_ADMIN, ("or", [("in", "event_type", ADMIN_TYPES),
                                           ("and", [("null", "user_id"), ("null", "client_id")])])])
    own = ("and", [_NO_ADMIN, ("not", ("in", "event_type", ADMIN_TYPES)),
                   ("or", [("eq", "user_id", actor_id),
                           ("and", [("null", "user_id"), ("eq", "client_id", actor_id)])])])
    return ("or", [_by_admin(actor_id), own])


MAX_KEYWORDS, MAX_KEYWORD = 10, 40
_TEXT_COLUMNS = ("ip", "user_id", "client_id", "factor_id", "login", "first_name", "last_name", "client_name",
                 "factor_provider", "factor_type", "detail")


class BadKeywords(Exception):
    pass


def keywords(q: str) -> list[str]:
    """The words of a keyword search, lower-cased (a search matches case-insensitively)."""
    words = q.split()
    if len(words) > MAX_KEYWORDS or any(len(w) > MAX_KEYWORD for w in words):
        raise BadKeywords(f"at most {MAX_KEYWORDS} keywords of at most {MAX_KEYWORD} characters each")
    return [w.lower() for w in words]


def in_text(word: str) -> list:
    """Conditions of which any holds when a keyword occurs in a row's own text: its ids, the
    client's IP address, the names of its user, client and factor, or its detail."""
    return [("icontains", c, word) for c in _TEXT_COLUMNS]


def combine(conditions: list):
    """Conditions that must all hold, as one (None: no condition)."""
    conditions = [c for c in conditions if c is not None]
    return None if not conditions else conditions[0] if len(conditions) == 1 else ("and", conditions)


# --- a page, and cursors ---------------------------------------------------------------------------------------

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
