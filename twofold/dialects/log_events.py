"""One audit row as the System Log shows it: the LogEvent of Okta's System Log API (actor,
targets, outcome, client), which the Admin Console's System Log and Dashboard show too. Shared
by the dialects that show the log (dialects/okta/logs, dialects/console/system_log), so both
name actors and targets alike; services/system_log reads the rows and the names, and
dialects/okta_log_names holds Okta's names for the events."""
from __future__ import annotations

from .. import authenticators
from ..services import system_log
from . import okta_log_names
from .http import iso

# mfa.verify's detail names the kind of attempt; each type says which is its own.
_KIND_TYPES = {t.attempt_kind: t.type for t in authenticators.REGISTRY.values()}


def _user_ref(row) -> dict:
    return {"id": row.user_id, "type": "User", "alternateId": row.user_login or "unknown",
            "displayName": system_log.display_name(row.user_first_name, row.user_last_name, row.user_login)}


def _admin_ref(names: dict, user_id: str) -> dict:
    login, name = names.get(("user", user_id), ("unknown", "unknown"))
    return {"id": user_id, "type": "User", "alternateId": login, "displayName": name}


def _client_ref(row, type_: str) -> dict:
    name = row.client_name or "unknown"
    return {"id": row.client_id, "type": type_, "alternateId": name, "displayName": name}


def _factor_ref(row, detail: dict) -> dict:
    type_ = row.factor_type or detail.get("type") or _KIND_TYPES.get(detail.get("kind"))
    provider = row.factor_provider or detail.get("provider")
    kind = authenticators.REGISTRY.get(type_) if type_ else None
    name = kind.display_name(provider) if kind is not None else (str(type_) if type_ else "Factor")
    return {"id": row.factor_id, "type": "AuthenticatorEnrollment", "alternateId": "unknown", "displayName": name}


def _named(names: dict, kind: str, key: str, type_: str) -> dict:
    found = names.get((kind, key))
    if found is None:
        return {"id": key, "type": type_, "alternateId": key, "displayName": "unknown"}
    return {"id": found[0], "type": type_, "alternateId": key, "displayName": found[1]}


def _targets(row, detail: dict, names: dict, who: str, actor_id: str | None) -> list[dict]:
    target = []
    if row.user_id and not (who == "user" and actor_id == row.user_id):
        target.append(_user_ref(row))
    if row.factor_id:
        target.append(_factor_ref(row, detail))
    if row.client_id and who != "client":
        target.append(_client_ref(row, "AppInstance"))
    named = {k: v for k, v in detail.items() if isinstance(v, str)}
    if row.event_type.startswith("authenticator.") and "key" in named:
        target.append(_named(names, "authenticator", named["key"], "Authenticator"))
    if row.event_type.startswith("policy.") and "policy" in named:
        target.append(_named(names, "policy", named["policy"], "PolicyEntity"))
    if row.event_type.startswith("policy.rule.") and "rule" in named:
        target.append(_named(names, "rule", named["rule"], "PolicyRule"))
    if row.event_type.startswith(("oauth2.as.", "policy.")) and "server" in named:
        target.append(_named(names, "server", named["server"], "AuthorizationServer"))
    if row.event_type.startswith("api_token.") and "token" in named:
        token = _named(names, "api_token", named["token"], "Token")
        if token["displayName"] == "unknown" and "name" in named:
            token["displayName"] = named["name"]
        target.append(token)
    return target


def log_event(row, names: dict) -> dict:
    """One audit row as Okta's LogEvent (the Admin Console's System Log shows the same)."""
    kind = okta_log_names.kind_of(row.event_type)
    detail = system_log.detail_of(row)
    who, actor_id = system_log.actor_ref(row)
    if who == "user":
        actor = _user_ref(row) if actor_id == row.user_id else _admin_ref(names, actor_id)
    elif who == "client":
        actor = _client_ref(row, "PublicClientApp")
    else:
        actor = dict(okta_log_names.SYSTEM_ACTOR)
    target = _targets(row, detail, names, who, actor_id)
    client: dict = {"ipAddress": row.ip}
    if row.user_agent:
        client["userAgent"] = {"rawUserAgent": row.user_agent}
    outcome = {"result": row.outcome}
    reason = okta_log_names.reason_of(row.reason)
    if reason:
        outcome["reason"] = reason
    transaction: dict = {"type": "WEB", "id": row.id}
    if isinstance(detail.get("requestApiTokenId"), str):
        transaction["detail"] = {"requestApiTokenId": detail["requestApiTokenId"]}
    return {
        "uuid": row.id,
        "published": iso(row.at),
        "eventType": kind.okta,
        "version": "0",
        "severity": okta_log_names.severity_of(row.event_type, row.outcome),
        "displayMessage": kind.message,
        "actor": actor,
        "client": client,
        "outcome": outcome,
        "target": target,
        "transaction": transaction,
        "debugContext": {"debugData": detail},
        "legacyEventType": row.event_type,
    }
