"""Builds the ASGI app: mounts the dialects, error handlers and the lifespan."""
from __future__ import annotations

import asyncio
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
from .dialects.okta import oauth as okta_oauth
from .dialects.hot import HotLane
from .dialects.http import json_response
from . import openapi
from .domain.clock import Clock
from .observe.proxies import TrustedProxies
from .observe.requests import RequestLog, log_unexpected
from .services import signing_keys
from .services.bootstrap import build_runtime


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> HotLane:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runtime, _ = await build_runtime(settings, clock)
        try:
            providers.check(runtime)  # a provider chosen without its settings stops the start-up
        except providers.ProviderMissing:
            await runtime.db.dispose()
            raise
        app.state.runtime = runtime
        logging.captureWarnings(True)  # a library's warning is a log line in TWOFOLD_LOG_FORMAT
        # Everything built at start-up (routes, keys, compiled statements) is long-lived: moving
        # it out of the collector's view, and collecting the young generation less often, keeps
        # full collections, and the latency spikes they cause under load, rare.
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        # A key rotation made by `twofold keys` reaches this process's JWKS and signing.
        refresher = asyncio.create_task(signing_keys.keep_fresh(runtime, runtime.signer_source))
        try:
            yield
        finally:
            refresher.cancel()
            await runtime.db.dispose()

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

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        # Never a stack trace on the wire; the log gets the type, not request data.
        route = request.scope.get("route")
        log_unexpected("unhandled error on %s %s", request.method, getattr(route, "path", "(no route)"))
        return fallback.internal_error(request.url.path)

    return HotLane(app, RequestLog(TrustedProxies(settings.trusted_proxy_networks)))
