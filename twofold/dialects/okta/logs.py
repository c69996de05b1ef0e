"""Okta's System Log API: GET /api/v1/logs over the audit log (reference: LOG-DOC)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ... import authenticators
from ...services import system_log
from ..http import json_response, runtime
from .endpoint import okta_endpoint
from . import scim_filter
from .errors import invalid_log_parameter, invalid_parameter
from .views import iso, whole_number

router = APIRouter()
LOGS = "/api/v1/logs"
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
DEFAULT_RANGE_MS = 7 * 24 * 3600 * 1000  # `since` defaults to 7 days before `until`
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# mfa.verify's detail names the kind of attempt; each type says which is its own.
_KIND_TYPES = {t.attempt_kind: t.type for t in authenticators.REGISTRY.values()}


class BadParam(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def _time(request: Request, name: str) -> int | None:
    text = request.query_params.get(name)
    if text is None:
        return None
    try:
        dt = datetime.fromisoformat(text.strip()) if len(text) <= 64 else None
    except ValueError:
        dt = None
    if dt is None:
        raise BadParam(name, f"'{name}': The date format in your query is not recognized. "
                             "Please enter dates using ISO8601 string format.")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return (dt - _EPOCH) // timedelta(milliseconds=1)


def _limit(request: Request) -> int:
    text = request.query_params.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    number = whole_number(text)
    if number is None:
        raise BadParam("limit", "'limit': must be an integer between 0 and 1000.")
    return min(number, MAX_LIMIT)  # Okta answers at most its maximum page


def _sort(request: Request) -> bool:
    text = request.query_params.get("sortOrder", "ASCENDING")
    if text.upper() not in ("ASCENDING", "DESCENDING"):
        raise BadParam("sortOrder", "'sortOrder': must be ASCENDING or DESCENDING.")
    return text.upper() == "DESCENDING"


def _after(request: Request) -> tuple[int, str] | None:
    text = request.query_params.get("after")
    if text is None:
        return None
    cursor = system_log.parse_cursor(text)
    if cursor is None:
        raise BadParam("after", "'after': not a cursor from a `next` link.")
    return cursor


# --- the LogEvent ---------------------------------------------------------------------------------

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
    kind = system_log.kind_of(row.event_type)
    detail = system_log.detail_of(row)
    who, actor_id = system_log.actor_ref(row)
    if who == "user":
        actor = _user_ref(row) if actor_id == row.user_id else _admin_ref(names, actor_id)
    elif who == "client":
        actor = _client_ref(row, "PublicClientApp")
    else:
        actor = dict(system_log.SYSTEM_ACTOR)
    target = _targets(row, detail, names, who, actor_id)
    client: dict = {"ipAddress": row.ip}
    if row.user_agent:
        client["userAgent"] = {"rawUserAgent": row.user_agent}
    outcome = {"result": row.outcome}
    reason = system_log.reason_of(row.reason)
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
        "severity": system_log.severity_of(row.event_type, row.outcome),
        "displayMessage": kind.message,
        "actor": actor,
        "client": client,
        "outcome": outcome,
        "target": target,
        "transaction": transaction,
        "debugContext": {"debugData": detail},
        "legacyEventType": row.event_type,
    }


# --- the endpoint ---------------------------------------------------------------------------------

def _bad(exc: BadParam) -> Response:
    return invalid_parameter(exc.message)


@router.get(LOGS)
@okta_endpoint("logs")
async def list_logs(request: Request) -> Response:
    """Okta getLogs: `since`, `until` (RFC 3339), `filter`, `q`, `limit` (0–1000, default 100),
    `after` (the cursor of a `next` link), `sortOrder`. A polling request (ascending, no
    `until`) always has a `next` link; a bounded one has it while more events remain."""
    rt = runtime(request)
    params = request.query_params
    try:
        since, until = _time(request, "since"), _time(request, "until")
        limit, descending, after = _limit(request), _sort(request), _after(request)
        q = params.get("q")
        where = []
        if q is not None:
            try:
                words = system_log.parse_keywords(q)
            except system_log.BadKeywords as exc:
                raise BadParam("q", str(exc)) from exc
            if words is not None:
                where.append(words)
    except BadParam as exc:
        return _bad(exc)
    if params.get("filter") is not None:
        try:
            where.append(scim_filter.parse(params["filter"], system_log.FILTER_ATTRIBUTES, system_log.condition))
        except scim_filter.FilterError as exc:
            return invalid_log_parameter(exc.message)
    until_ms = until if until is not None else rt.now_ms()
    since_ms = since if since is not None else (None if after is not None else until_ms - DEFAULT_RANGE_MS)
    condition = system_log.combine(where)
    page = await system_log.page(rt, since=since_ms, until=until_ms, after=after, descending=descending,
                                 limit=limit, where=condition)

    base = rt.settings.base_url
    kept = [(k, v) for k, v in params.multi_items() if k in ("q", "filter", "sortOrder", "since", "until")]

    def link(cursor: str | None) -> str:
        query = kept + [("limit", str(limit))] + ([("after", cursor)] if cursor else [])
        return f"{base}api/v1/logs?" + urlencode(query, quote_via=quote)

    current = params.get("after")
    response = json_response([log_event(r, page.names) for r in page.rows])
    response.headers.append("Link", f'<{link(current)}>; rel="self"')
    polling = until is None and not descending
    if page.rows and (page.more or polling):
        response.headers.append("Link", f'<{link(system_log.cursor_of(page.rows[-1]))}>; rel="next"')
    elif polling:
        response.headers.append("Link", f'<{link(current)}>; rel="next"')  # nothing new yet: ask again
    return response
