"""The front of every HTTP request (the hot lane calls it first): the request id, the client's
address behind trusted proxies, and the access line once the answer is sent.

Kept to a few microseconds: one pass over the headers, one contextvar, and the access line
built only when its level is on (the benchmark runs at `warning`)."""
from __future__ import annotations

import logging
import os
import re
from http import HTTPStatus
from time import perf_counter
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import CURRENT, RequestContext
from .logs import ACCESS
from .proxies import TrustedProxies

access_log = logging.getLogger("twofold.access")
log = logging.getLogger("twofold")

HEADER = b"x-request-id"
# A caller's id is kept when it is short and plain (UUIDs, hex, base64, "svc-1:abc"): nothing
# that could break a log line, a header or a log query. Anything else is replaced.
_ACCEPTED_ID = re.compile(rb"[A-Za-z0-9._:/+=@-]{1,128}")


def new_request_id() -> str:
    return os.urandom(16).hex()


def accepted_request_id(value: bytes) -> str | None:
    return value.decode("ascii") if _ACCEPTED_ID.fullmatch(value) else None


def redacted_target(target: str) -> str:
    """A request target as the log may show it: the path, never the query string (a client may
    put a password or a secret there: R53, R68) nor the QR link's capability token (R39)."""
    path, query_mark, _ = target.partition("?")
    if "/qr/" in path:
        path = path.split("/qr/")[0] + "/qr/[redacted]"
    return path + ("?[redacted]" if query_mark else "")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class RequestLog:
    def __init__(self, proxies: TrustedProxies | None = None) -> None:
        self.proxies = proxies or TrustedProxies()

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        started = perf_counter()
        given, forwarded = [], []
        for name, value in scope["headers"]:
            if name == HEADER:
                given.append(value)
            elif name == b"x-forwarded-for":
                forwarded.append(value)
        request_id = (accepted_request_id(given[0]) if len(given) == 1 else None) or new_request_id()
        client = scope.get("client")
        if self.proxies and client:
            address = self.proxies.client(client[0], forwarded)
            if address != client[0]:
                # What request.client says from here on: the audit log's address, and any limit by address.
                scope["client"] = (address, 0)
        context = RequestContext(request_id, scope)
        token = CURRENT.set(context)
        echoed = (HEADER, request_id.encode("ascii"))
        status, logged = 0, False

        async def send_with_id(message: Message) -> None:
            nonlocal status, logged
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), echoed]}
            elif message["type"] == "http.response.body" and not message.get("more_body") and not logged:
                # Written before the answer's last byte leaves: whoever got the answer finds its line.
                logged = True
                self._access_line(scope, status, started)
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        except Exception:
            if not context.error_logged:
                log.exception("unhandled error", extra={"event": "http.unhandled_error"})
            if not status:
                status = 500
                raise  # no answer yet: the server answers 500
            # Answered already (FastAPI re-raises after its error handler's answer, for servers
            # to log): logged above or by that handler, so not once more by uvicorn.
        finally:
            if not logged:
                self._access_line(scope, status, started)
            CURRENT.reset(token)

    @staticmethod
    def _access_line(scope: Scope, status: int, started: float) -> None:
        if not access_log.isEnabledFor(logging.INFO):
            return
        query = scope.get("query_string")
        path = redacted_target(quote(scope.get("root_path", "") + scope["path"]) + ("?" if query else ""))
        client = scope.get("client")
        ms = round((perf_counter() - started) * 1000, 2)
        access_log.info('%s - "%s %s HTTP/%s" %d %s %sms', client[0] if client else "-", scope["method"], path,
                        scope["http_version"], status, _phrase(status), ms,
                        extra={"event": ACCESS, "fields": {"path": path, "status": status, "duration_ms": ms}})


def log_unexpected(message: str, *args) -> None:
    """An error nobody expected, logged by the handler that answered it (with the route, never
    the path or request data), and only there."""
    log.exception(message, *args, extra={"event": "http.unhandled_error"})
    context = CURRENT.get()
    if context is not None:
        context.error_logged = True
