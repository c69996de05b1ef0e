"""The console's dashboard and its static files."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.responses import Response

from ...services import activity, console_auth, system_log
from . import charts
from .system_log import events_shown
from .web import PREFIX, Console, console_page

router = APIRouter()

_STATIC = Path(__file__).parent / "static"
RECENT_EVENTS = 8
_TYPES = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8",
          "favicon.svg": "image/svg+xml"}


@router.get(PREFIX + "/")
@console_page("dashboard")
async def dashboard(c: Console) -> Response:
    recent = await system_log.page(c.rt, since=None, until=c.rt.now_ms() + 1, after=None, descending=True,
                                   limit=RECENT_EVENTS)
    period = c.request.query_params.get("period")
    period = period if period in activity.PERIODS else "24h"
    shown = await activity.recent(c.rt, period)
    return c.page("home.html", section="dashboard", title="Dashboard", counts=await console_auth.dashboard_counts(c.rt),
                  events=events_shown(recent), period=period, charts=[charts.draw(shown, ch) for ch in shown.charts])


@router.get(PREFIX + "/static/{name}")
async def static(name: str) -> Response:
    if name not in _TYPES:  # a fixed list: no path is ever joined from the request
        return Response("Not found", status_code=404, media_type="text/plain")
    return Response((_STATIC / name).read_bytes(), media_type=_TYPES[name],
                    headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff",
                             "Content-Security-Policy": "default-src 'none'"})  # inert even when opened alone


@router.get("/favicon.ico")
async def favicon() -> Response:
    """Browsers ask for it on every site; an SVG answers them all (no external fetch)."""
    return await static("favicon.svg")
