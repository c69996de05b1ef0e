"""Reports › System Log: the audit log searched and shown newest first, as Okta's Admin Console
shows its System Log. The events are the LogEvents of the Okta System Log API (one builder,
dialects/log_events with Okta's names from dialects/okta_log_names, over one service,
services/system_log), so both show the same actor, targets and names. A GET form: filters
carry no secrets, and a search can be bookmarked."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, UTC
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.responses import Response

from ...services import system_log
from .. import okta_log_names
from ..log_events import log_event
from .errors import Shown
from .web import PREFIX, Console, console_page

router = APIRouter()
URL = PREFIX + "/reports/system-log"
PAGE_SIZE = 50
OUTCOMES = ("SUCCESS", "FAILURE", "DENY")
MAX_TYPE = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FIELDS = ("q", "type", "outcome", "since", "until")


@dataclass
class Search:
    """The form's values as typed (shown again), and what they mean for services.system_log."""

    values: dict[str, str]
    since: int | None = None
    until: int | None = None
    after: tuple[int, str] | None = None
    conditions: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _time(text: str, label: str, problems: list[str]) -> int | None:
    """A `datetime-local` value (no zone: UTC), or any ISO 8601 time, in epoch milliseconds."""
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text) if len(text) <= 40 else None
    except ValueError:
        dt = None
    if dt is None:
        problems.append(f"{label}: “{text[:40]}” is not a date and time. Use the form YYYY-MM-DD HH:MM, in UTC.")
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // timedelta(milliseconds=1)


def read_search(params) -> Search:
    s = Search({name: params.get(name, "").strip() for name in _FIELDS})
    v, problems = s.values, s.problems
    if v["q"]:
        try:
            s.conditions.append(okta_log_names.parse_keywords(v["q"]))
        except system_log.BadKeywords:
            problems.append(f"Keywords: use at most {system_log.MAX_KEYWORDS} words of at most "
                            f"{system_log.MAX_KEYWORD} characters each.")
    if v["type"]:
        if len(v["type"]) > MAX_TYPE:
            problems.append(f"Event type: at most {MAX_TYPE} characters.")
        else:
            s.conditions.append(okta_log_names.condition("eventType", "eq", v["type"]))
    if v["outcome"]:
        if v["outcome"] not in OUTCOMES:
            problems.append("Outcome: choose Any, Success, Failure or Deny.")
        else:
            s.conditions.append(okta_log_names.condition("outcome.result", "eq", v["outcome"]))
    s.since = _time(v["since"], "Since", problems)
    s.until = _time(v["until"], "Until", problems)
    if s.since is not None and s.until is not None and s.until <= s.since:
        problems.append("The time range is empty: Until must be later than Since.")
    after = params.get("after")
    if after is not None:
        s.after = system_log.parse_cursor(after)
        if s.after is None:
            problems.append("The “Older events” link is not valid any more. Search again.")
    return s


def _when(published: str) -> str:
    """2024-05-01T12:30:05.123Z → 2024-05-01 12:30:05 (the column says UTC)."""
    return published[:19].replace("T", " ")


def events_shown(page: system_log.Page) -> list[dict]:
    """A page's rows as the tables show them (here and on the Dashboard): Okta LogEvents with
    the time to the second."""
    return [{**e, "when": _when(e["published"])} for e in (log_event(row, page.names) for row in page.rows)]


def _link(values: dict[str, str], after: str | None = None) -> str:
    query = [(k, values[k]) for k in _FIELDS if values[k]] + ([("after", after)] if after else [])
    return URL + ("?" + urlencode(query) if query else "")


@router.get(URL)
@console_page("system-log")
async def system_log_page(c: Console) -> Response:
    s = read_search(c.request.query_params)
    context = dict(section="system-log", title="System Log", values=s.values, outcomes=OUTCOMES,
                   event_types=okta_log_names.OKTA_TYPES, events=[], older=None, newest=None,
                   searched=any(s.values.values()))
    if s.problems:
        return c.page("system_log.html", status=400, error=Shown("Some filters need attention.", s.problems),
                      **context)
    until = s.until if s.until is not None else c.rt.now_ms() + 1
    page = await system_log.page(c.rt, since=s.since, until=until, after=s.after, descending=True,
                                 limit=PAGE_SIZE, where=system_log.combine(s.conditions))
    context.update(
        events=events_shown(page),
        older=_link(s.values, system_log.cursor_of(page.rows[-1])) if page.more else None,
        newest=_link(s.values) if s.after is not None else None,
    )
    return c.page("system_log.html", **context)
