"""The front of every request (twofold.observe.requests) and the two log formats, driven as
uvicorn drives them (ASGI calls) with real handlers and formatters: the request id (kept when
plain, else replaced; echoed; in every line of the request), the access line, an unexpected
error logged once with its request id, and lines that stay one line (R68: no query string, no
capability in a path)."""
from __future__ import annotations

import asyncio
import io
import json
import logging
import re

import pytest

from twofold.observe.context import current
from twofold.observe.logs import JsonFormatter, TextFormatter, event
from twofold.observe.proxies import TrustedProxies, parse_networks
from twofold.observe.requests import RequestLog, log_unexpected

GENERATED = re.compile(r"^[0-9a-f]{32}$")
app_log = logging.getLogger("twofold")


class Captured:
    """The lines twofold's loggers write (twofold.access propagates to twofold when nothing
    configured logging), through a real handler and formatter."""

    def __init__(self, formatter: logging.Formatter) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(formatter)

    def __enter__(self):
        self.level = app_log.level
        app_log.addHandler(self.handler)
        app_log.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc):
        app_log.removeHandler(self.handler)
        app_log.setLevel(self.level)

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def objects(self) -> list[dict]:
        return [json.loads(line) for line in self.lines()]


class Route:
    path = "/api/v1/users/{userId}/factors/{factorId}/verify"


def _scope(path="/api/v1/users/00u1/factors/f1/verify", query=b"", headers=(), client=("127.0.0.1", 50000)):
    return {"type": "http", "method": "POST", "path": path, "root_path": "", "query_string": query,
            "http_version": "1.1", "headers": [(k.lower(), v) for k, v in headers], "client": client}


def _serve(app, scope, proxies: TrustedProxies | None = None) -> list[dict]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(RequestLog(proxies)(scope, receive, send, app))
    return sent


def _answering(status=200, before=None, after=None):
    async def app(scope, receive, send):
        scope["route"] = Route()
        if before:
            before(scope)
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})
        if after:
            after(scope)

    return app


def _echoed(sent) -> str:
    (start,) = [m for m in sent if m["type"] == "http.response.start"]
    values = [v.decode() for k, v in start["headers"] if k == b"x-request-id"]
    assert len(values) == 1, start["headers"]
    return values[0]


@pytest.mark.parametrize("given", ["0f8fa1c2-4b1e-4c7e-9a55-3c2b1d0e9f11", "svc-1:abc.DEF_9", "YWJj+/=", "a",
                                   "r" * 128])
def test_a_plain_request_id_is_kept_echoed_and_on_the_access_line(given):
    with Captured(JsonFormatter()) as log:
        sent = _serve(_answering(), _scope(headers=[(b"X-Request-Id", given.encode())]))
    assert _echoed(sent) == given
    (line,) = log.objects()
    assert line["event"] == "http.request" and line["request_id"] == given
    assert line["route"] == Route.path and line["method"] == "POST" and line["status"] == 200
    assert line["client_ip"] == "127.0.0.1" and line["path"] == "/api/v1/users/00u1/factors/f1/verify"
    assert isinstance(line["duration_ms"], float) and line["time"].endswith("Z") and line["level"] == "info"


@pytest.mark.parametrize("headers", [
    [(b"x-request-id", b"r" * 129)], [(b"x-request-id", b"")], [(b"x-request-id", b"has space")],
    [(b"x-request-id", b'quote"d')], [(b"x-request-id", b"line\nbreak")], [(b"x-request-id", "caf\u00e9".encode())],
    [(b"x-request-id", b"id-one"), (b"x-request-id", b"id-two")],  # which one? neither
])
def test_a_malformed_or_repeated_request_id_is_replaced(headers):
    with Captured(JsonFormatter()) as log:
        sent = _serve(_answering(), _scope(headers=headers))
    replaced = _echoed(sent)
    assert GENERATED.match(replaced)
    assert [line["request_id"] for line in log.objects()] == [replaced]
    for _, value in headers:
        assert not value or value.decode("latin-1") not in log.stream.getvalue()


def test_without_an_id_each_request_gets_a_new_one():
    first, second = _echoed(_serve(_answering(), _scope())), _echoed(_serve(_answering(), _scope()))
    assert GENERATED.match(first) and GENERATED.match(second) and first != second


def test_every_line_of_a_request_carries_its_id_and_none_outside_it():
    def work(scope):
        app_log.warning("a code could not be sent: %s", "webhook: status 500",
                        extra=event("delivery.failed", channel="sms", factor_id="sms1", request_id="forged"))

    with Captured(JsonFormatter()) as log:
        _serve(_answering(before=work), _scope(headers=[(b"x-request-id", b"req-42")]))
        app_log.info("outside", extra=event("serve.started"))
    failed, access, outside = log.objects()
    assert failed == {**failed, "event": "delivery.failed", "level": "warning", "request_id": "req-42",
                      "route": Route.path, "channel": "sms", "factor_id": "sms1",
                      "message": "a code could not be sent: webhook: status 500"}
    assert access["request_id"] == "req-42"
    assert "request_id" not in outside and outside["event"] == "serve.started"
    assert current() is None


def test_the_text_format_is_uvicorns_with_the_fields_and_the_request_id():
    def work(scope):
        app_log.warning("a code could not be sent", extra=event("delivery.failed", channel="sms", reason='a "b"\nc'))

    with Captured(TextFormatter()) as log:
        _serve(_answering(status=404, before=work), _scope(query=b"password=hunter2",
                                                            headers=[(b"x-request-id", b"req-7")]))
    failed, access = log.lines()  # the newline in a field stays escaped: one line each
    assert failed == 'WARNING:  a code could not be sent channel=sms reason="a \\"b\\"\\nc" request_id=req-7'
    assert re.fullmatch(r'INFO:     127\.0\.0\.1 - "POST /api/v1/users/00u1/factors/f1/verify\?\[redacted\] '
                        r'HTTP/1\.1" 404 Not Found [\d.]+ms request_id=req-7', access), access


def test_the_access_line_shows_no_query_and_no_qr_capability():
    with Captured(JsonFormatter()) as log:
        _serve(_answering(), _scope(path="/api/v1/users/00u1/factors/f1/qr/capability123", query=b"secret=x"))
    (line,) = log.objects()
    assert line["path"] == "/api/v1/users/00u1/factors/f1/qr/[redacted]?[redacted]"
    assert "capability123" not in log.stream.getvalue() and "secret" not in log.stream.getvalue()


def test_an_error_after_the_answer_is_logged_once_with_its_request_id():
    """FastAPI answers an unexpected error, then re-raises it for the server to log: the handler
    logged it (with the route), so it is neither logged again nor handed to uvicorn."""
    def fails(scope):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log_unexpected("unhandled error on %s %s", "POST", Route.path)
            raise

    with Captured(JsonFormatter()) as log:
        _serve(_answering(status=500, after=fails), _scope(headers=[(b"x-request-id", b"req-err")]))
    access, error = log.objects()  # the access line is written as the answer leaves
    assert error["event"] == "http.unhandled_error" and error["level"] == "error"
    assert error["request_id"] == "req-err" and "RuntimeError: boom" in error["exception"]
    assert access["status"] == 500 and access["request_id"] == "req-err"


def test_an_error_before_any_answer_is_logged_and_left_to_the_server():
    async def app(scope, receive, send):
        raise RuntimeError("early")

    with Captured(JsonFormatter()) as log, pytest.raises(RuntimeError):
        _serve(app, _scope(headers=[(b"x-request-id", b"req-early")]))
    error, access = log.objects()
    assert error["event"] == "http.unhandled_error" and error["request_id"] == "req-early"
    assert access["status"] == 500


def test_behind_a_trusted_proxy_the_forwarded_client_is_the_requests_client():
    seen = {}
    proxies = TrustedProxies(parse_networks("127.0.0.0/8"))
    scope = _scope(headers=[(b"x-forwarded-for", b"198.51.100.1, 203.0.113.9")])
    with Captured(JsonFormatter()) as log:
        _serve(_answering(before=lambda s: seen.update(client=s["client"])), scope, proxies)
    assert seen["client"] == ("203.0.113.9", 0)  # what request.client, hence RequestMeta.ip, says
    assert log.objects()[0]["client_ip"] == "203.0.113.9"
    untrusted = _scope(headers=[(b"x-forwarded-for", b"203.0.113.9")], client=("192.0.2.1", 1234))
    with Captured(JsonFormatter()) as log:
        _serve(_answering(), untrusted, proxies)
    assert log.objects()[0]["client_ip"] == "192.0.2.1"
