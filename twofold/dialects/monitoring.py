"""The operator's endpoints, on the hot lane (no FastAPI routing, no authentication lookup in the
database), each answered with `Cache-Control: no-store`:

- GET /healthz: the process is alive (200, always; it touches nothing).
- GET /readyz: the process can serve (observe.health): 200, or 503 naming the checks that
  failed (R69: not ready is said, never assumed away).
- GET /metrics: Prometheus's text format (observe.metrics), as TWOFOLD_METRICS says: `off`
  answers 404 as an unknown path does, `on` answers anyone, any other value is a bearer token
  the request must carry (401 without it; compared in constant time)."""
from __future__ import annotations

import asyncio
import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import Response

from ..observe import health, metrics
from . import hot
from .http import NO_STORE, json_response, runtime

_CHALLENGE = 'Bearer realm="twofold metrics"'  # RFC 6750 §3


@hot.get("/healthz")
async def healthz(request: Request) -> Response:
    return json_response({"status": "ok"})


@hot.get("/readyz")
async def readyz(request: Request) -> Response:
    checks = await health.readiness(runtime(request))
    failed = [name for name, state in checks.items() if state != health.OK]
    if failed:
        return json_response({"status": "not_ready", "failed": failed, "checks": checks}, status=503)
    return json_response({"status": "ready", "checks": checks})


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # Digests of both, so the comparison takes as long whatever the length of what was sent.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        hashlib.sha256(given.strip().encode()).digest(), hashlib.sha256(token.encode()).digest())


@hot.get("/metrics")
async def metrics_endpoint(request: Request) -> Response:
    settings = runtime(request).settings
    if settings.metrics == "off" or not metrics.enabled():
        # As the app answers a path it does not serve (app.http_error).
        return json_response({"error": "not_found", "error_description": "Not Found"}, status=404)
    token = settings.metrics_token
    if token is not None and not _bearer_matches(request, token):
        sent = bool(request.headers.get("authorization"))
        headers = {"WWW-Authenticate": _CHALLENGE + (', error="invalid_token"' if sent else "")}
        return json_response({"error": "invalid_token" if sent else "unauthorized",
                              "error_description": "This endpoint requires the metrics bearer token."},
                             status=401, headers=headers)
    metrics.sample_pools(runtime(request).db)  # this worker's pools as of now
    # It reads the workers' files: off the event loop.
    body, content_type = await asyncio.to_thread(metrics.render, request.headers.get("accept", ""))
    return Response(body, headers=NO_STORE, media_type=content_type)
