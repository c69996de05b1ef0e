"""The hot lane: the endpoints a login storm hits (Okta factor verify, the token endpoints)
are dispatched here, in front of FastAPI. The profiles showed FastAPI's routing, dependency
solving and middleware stack costing about a quarter of a verification's CPU; these handlers
take a plain Starlette Request and need none of it. Every other route stays in FastAPI.

A route is declared once, next to its handler, with `@hot.post(path)` (or `@hot.get`: the
monitoring endpoints); the same handler wrappers (authentication, rate limits, the dialect's
error format) apply as elsewhere.

With metrics on, TimedHotLane times every request, its own and FastAPI's (observe.metrics):
the route template it records is scope["route"].path, which this lane sets as FastAPI does."""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..observe.requests import RequestLog, log_unexpected
from ..observe import metrics
from . import fallback
from .http import json_response

Handler = Callable[..., Awaitable[Response]]


class HotRoute(NamedTuple):
    method: str
    path: str  # as declared, "{name}" for a path segment
    pattern: re.Pattern[str]
    handler: Handler


_ROUTES: list[HotRoute] = []


def _pattern(path: str) -> re.Pattern[str]:
    # "{name}" matches one path segment, as in FastAPI.
    return re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path))


def _route(method: str, path: str):
    def register(handler: Handler) -> Handler:
        _ROUTES.append(HotRoute(method, path, _pattern(path), handler))
        return handler

    return register


def post(path: str):
    return _route("POST", path)


def get(path: str):
    return _route("GET", path)


class HotLane:
    """ASGI front: every request passes `requests` (request id, client address, access line);
    a hot route is answered here, anything else goes to `app` (FastAPI)."""

    def __init__(self, app: ASGIApp, requests: RequestLog | None = None) -> None:
        self.app = app
        self.routes = list(_ROUTES)
        self.requests = requests or RequestLog()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.requests(scope, receive, send, self._dispatch)
        else:
            await self.app(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if "\x00" in path or b"%00" in scope.get("query_string", b""):
            # No route takes NUL (PostgreSQL text cannot hold it): malformed, answered here.
            response = fallback.malformed(path, "The request contains a NUL character.")
            await response(scope, receive, send)
            return
        for route in self.routes:
            method, _, pattern, handler = route
            match = pattern.fullmatch(path)
            if match is None:
                continue
            scope["route"] = route  # its path template, for the log lines
            if scope["method"] != method:
                response = json_response({"error": "invalid_request", "error_description": "Method Not Allowed"},
                                         status=405, headers={"Allow": method})
            else:
                scope["app"] = self.app  # Request.app.state.runtime, as under FastAPI
                response = await self._answer(handler, Request(scope, receive), match.groupdict())
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _answer(handler: Handler, request: Request, params: dict[str, str]) -> Response:
        try:
            return await handler(request=request, **params)
        except Exception as exc:
            # Never a stack trace on the wire; the log gets the route, not the path (which may
            # hold a capability) nor request data.
            if fallback.is_unavailable(exc):  # R69; the store or the listener logged the outage
                return fallback.unavailable(request.url.path)
            log_unexpected("unhandled error on %s %s", request.method, handler.__name__)
            return fallback.internal_error(request.url.path)


class TimedHotLane(HotLane):
    """The lane with metrics on: every HTTP request, the lane's and FastAPI's, is timed
    (observe.metrics). A class of its own, so that with metrics off no request pays a check."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await metrics.observe_request(super().__call__, scope, receive, send)
        else:
            await super().__call__(scope, receive, send)
