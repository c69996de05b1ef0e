"""Okta's System Log API: GET /api/v1/logs over the audit log (reference: LOG-DOC)."""
from __future__ import annotations

from datetime import datetime, timedelta, UTC
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...services import system_log
from .. import okta_log_names
from ..http import json_response, runtime
from ..log_events import log_event
from .endpoint import okta_endpoint
from . import scim_filter
from .errors import invalid_log_parameter, invalid_parameter
from .views import whole_number

router = APIRouter()
LOGS = "/api/v1/logs"
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
DEFAULT_RANGE_MS = 7 * 24 * 3600 * 1000  # `since` defaults to 7 days before `until`
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
        dt = dt.replace(tzinfo=UTC)
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
                words = okta_log_names.parse_keywords(q)
            except system_log.BadKeywords as exc:
                raise BadParam("q", f"'q': {exc}") from exc
            if words is not None:
                where.append(words)
    except BadParam as exc:
        return _bad(exc)
    if params.get("filter") is not None:
        try:
            where.append(scim_filter.parse(params["filter"], okta_log_names.FILTER_ATTRIBUTES,
                                           okta_log_names.condition))
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
