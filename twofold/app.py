"""Builds the ASGI app: mounts the dialects, error handlers and the lifespan."""
from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import asynccontextmanager, suppress

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
from . import openapi
from .domain.clock import Clock
from .domain.errors import Unavailable
from .observe import metrics
from .observe.proxies import TrustedProxies
from .observe.requests import RequestLog, log_unexpected
from .services import invalidation, signing_keys
from .services.bootstrap import build_runtime

log = logging.getLogger("twofold")

# With Redis: how long start-up waits for the first subscription. A Redis that is away does not
# stop the start: the process serves what needs no cache, answers sign-in and verification 503,
# and subscribes (and so starts trusting its caches) as soon as Redis answers.
FIRST_SUBSCRIPTION_WAIT = 1.0


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
            await runtime.close()
            raise
        app.state.runtime = runtime
        logging.captureWarnings(True)  # a library's warning is a log line in TWOFOLD_LOG_FORMAT
        listener = None
        if runtime.shared is not None:
            listener = asyncio.create_task(invalidation.listen(runtime))
            try:
                await asyncio.wait_for(runtime.shared.subscribed.wait(), FIRST_SUBSCRIPTION_WAIT)
            except TimeoutError:
                log.warning("Redis does not answer: sign-in and verification answer 503 until it does")
        # Everything built at start-up (routes, keys, compiled statements) is long-lived: moving
        # it out of the collector's view, and collecting the young generation less often, keeps
        # full collections, and the latency spikes they cause under load, rare.
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        # A key rotation made by `twofold keys` reaches this process's JWKS and signing.
        refresher = asyncio.create_task(signing_keys.keep_fresh(runtime, runtime.signer_source))
        sampler = asyncio.create_task(metrics.sample_pools_forever(runtime.db)) if metrics.enabled() else None
        try:
            yield
        finally:
            refresher.cancel()
            for task in (listener, sampler):
                if task is not None:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task
            await runtime.close()

    app = FastAPI(title="twofold", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(auth0.router)
    app.include_router(auth0.management_router)
    app.include_router(okta.router)
    app.include_router(okta_oauth.router)
    app.include_router(oidc.router)
    app.include_router(console.router)
    app.include_router(openapi.router)

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

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, exc: Exception):
        # R69: the database or Redis is unreachable; nothing was decided. A 503 in the path's own
        # shape, without a trace (the store or the Redis listener logged the outage once).
        if request.url.path.startswith("/admin/") or request.url.path == "/admin":
            return console.unavailable(request)
        return fallback.unavailable(request.url.path)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        if fallback.is_unavailable(exc):  # a driver's error no store function turned into Unavailable
            log.warning("%s: the database cannot be reached (%s), answered 503", request.method, type(exc).__name__)
            return await unavailable(request, exc)
        # Never a stack trace on the wire; the log gets the type, not request data.
        route = request.scope.get("route")
        log_unexpected("unhandled error on %s %s", request.method, getattr(route, "path", "(no route)"))
        return fallback.internal_error(request.url.path)

    lane = TimedHotLane if metrics.enabled() else HotLane
    return lane(app, RequestLog(TrustedProxies(settings.trusted_proxy_networks)))
