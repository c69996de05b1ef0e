"""Builds the ASGI app: mounts the dialects, error handlers and the lifespan."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

from .config import Settings
from .delivery import providers
from .dialects import auth0, console, fallback, oidc, okta
from .dialects import monitoring  # noqa: F401 - registers /healthz, /readyz and /metrics on the hot lane
from .dialects.okta import oauth as okta_oauth
from .dialects.hot import HotLane, TimedHotLane
from .dialects.http import json_response
from .domain.clock import Clock
from .observe import metrics
from .services.bootstrap import build_runtime

log = logging.getLogger("twofold")



def create_app(settings: Settings | None = None, clock: Clock | None = None) -> HotLane:
    settings = settings or Settings()
    if settings.metrics != "off":
        metrics.enable()  # in each worker process: its values go to its own files
    else:
        metrics.disable()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runtime, _ = await build_runtime(settings, clock)
        try:
            providers.check(runtime)  # a provider chosen without its settings stops the start-up
        except providers.ProviderMissing:
            await runtime.db.dispose()
            raise
        app.state.runtime = runtime
        # Everything built at start-up (routes, keys, compiled statements) is long-lived: moving
        # it out of the collector's view, and collecting the young generation less often, keeps
        # full collections, and the latency spikes they cause under load, rare.
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        sampler = asyncio.create_task(metrics.sample_pools_forever(runtime.db)) if metrics.enabled() else None
        try:
            yield
        finally:
            if sampler is not None:
                sampler.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sampler
            await runtime.db.dispose()

    app = FastAPI(title="twofold", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(auth0.router)
    app.include_router(auth0.management_router)
    app.include_router(okta.router)
    app.include_router(okta_oauth.router)
    app.include_router(oidc.router)
    app.include_router(console.router)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/admin/") or request.url.path == "/admin":
            return console.not_found(request, exc.status_code)
        if request.url.path.startswith(fallback.AUTH0_MANAGEMENT):
            return fallback.management_not_routed(exc.status_code)
        code = {404: "not_found", 405: "invalid_request"}.get(exc.status_code, "invalid_request")
        return json_response({"error": code, "error_description": str(exc.detail)}, status=exc.status_code,
                             headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        return json_response({"error": "invalid_request", "error_description": "Malformed request."}, status=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        # Never a stack trace on the wire; the log gets the type, not request data.
        route = request.scope.get("route")
        log.exception("unhandled error on %s %s", request.method, getattr(route, "path", "(no route)"))
        return fallback.internal_error(request.url.path)

    return TimedHotLane(app) if metrics.enabled() else HotLane(app)


def redacted_target(target: str) -> str:
    """A request target as the access log may show it: the path, never the query string (a
    client may put a password or a secret there: R53, R68) nor the QR link's capability
    token (R39)."""
    path, query_mark, _ = target.partition("?")
    if "/qr/" in path:
        path = path.split("/qr/")[0] + "/qr/[redacted]"
    return path + ("?[redacted]" if query_mark else "")


class _RedactAccessLog(logging.Filter):
    """uvicorn's access record is (client, method, target, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            record.args = (*record.args[:2], redacted_target(record.args[2]), *record.args[3:])
        return True


logging.getLogger("uvicorn.access").addFilter(_RedactAccessLog())
