"""One POST to an HTTP provider (the webhook, Twilio), as a delivery: any 2xx is delivered; an
error status (a 3xx too: redirects are not followed), a refused or reset connection, an answer
that is not HTTP, or no whole answer within `timeout` seconds (for the whole exchange) is
DeliveryFailed, whose text names the provider and the status or the error's type, never the
URL, the body or the credentials.

The client is a small one of our own: HTTP/1.1 over asyncio streams, the answer parsed by
httptools (the parser uvicorn serves with), connections kept alive per origin. A provider's
answer is a status whose body is read and dropped, and httpx's per-request machinery cost
a tenth of a sent code's CPU (bench scenario 6, docs/performance.md). It uses no proxy."""
from __future__ import annotations

import asyncio
import ssl
import time
from urllib.parse import urlsplit

import httptools

from . import DeliveryFailed

# A kept connection idle longer than this is closed, not reused: servers drop idle keep-alive
# connections (uvicorn after 5 s), and a request sent as one drops it might be lost.
IDLE_SECONDS = 4.0
MAX_IDLE_PER_ORIGIN = 32


class _Answer:
    """httptools' callbacks: whether the head is in (and then whether the connection may be
    kept), and whether the message is whole."""

    def __init__(self) -> None:
        self.parser: httptools.HttpResponseParser | None = None
        self.head = False
        self.keep_alive = False
        self.whole = False

    def on_headers_complete(self) -> None:
        self.head = True
        self.keep_alive = self.parser.should_keep_alive()  # the parser forgets it once the message ends

    def on_message_complete(self) -> None:
        self.whole = True


class _Stale(Exception):
    """A kept connection the server had closed: nothing of the request was answered."""


class HttpClient:
    def __init__(self) -> None:
        self._idle: dict[tuple[str, str, int], list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]]] = {}
        self._tls: ssl.SSLContext | None = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """The answer's status. A kept connection found closed when the request goes out is
        replaced by a new one once; any other failure is the caller's (an exception)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL")
        origin = (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (f"POST {target} HTTP/1.1\r\nHost: {parts.netloc.rpartition('@')[2]}\r\n"
                   f"Content-Length: {len(body)}\r\nUser-Agent: twofold\r\n{head}\r\n").encode("latin-1") + body
        while True:
            reader, writer, kept = await self._connection(origin)
            try:
                status, keep_alive = await _exchange(reader, writer, request, kept)
            except _Stale:
                writer.close()
                continue  # only a kept connection is stale, and at most those in the pool are tried
            except BaseException:
                writer.close()  # a half-read answer (a timeout, an error) leaves the connection unusable
                raise
            if keep_alive:
                self._keep(origin, reader, writer)
            else:
                writer.close()
            return status

    async def _connection(self, origin: tuple[str, str, int]):
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            reader, writer, since = idle.pop()
            if now - since < IDLE_SECONDS and not reader.at_eof() and not writer.is_closing():
                return reader, writer, True
            writer.close()
        scheme, host, port = origin
        tls = None
        if scheme == "https":
            self._tls = self._tls or ssl.create_default_context()
            tls = self._tls
        reader, writer = await asyncio.open_connection(host, port, ssl=tls)
        return reader, writer, False

    def _keep(self, origin, reader, writer) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) >= MAX_IDLE_PER_ORIGIN:
            writer.close()
            return
        idle.append((reader, writer, time.monotonic()))


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes,
                    kept: bool) -> tuple[int, bool]:
    answer = _Answer()
    parser = answer.parser = httptools.HttpResponseParser(answer)
    try:
        writer.write(request)
        await writer.drain()
    except ConnectionError:
        if kept:
            raise _Stale() from None
        raise
    received = False
    while not answer.whole:
        try:
            data = await reader.read(65536)
        except ConnectionError:
            if kept and not received:
                raise _Stale() from None
            raise
        if not data:
            if kept and not received:
                raise _Stale()
            if answer.head:  # an answer whose body ends with the connection
                return parser.get_status_code(), False
            raise ConnectionResetError("the connection closed before the answer")
        received = True
        parser.feed_data(data)  # httptools.HttpParserError: not an HTTP answer
    return parser.get_status_code(), answer.keep_alive


async def post(client: HttpClient, provider: str, url: str, *, timeout: float, body: bytes,
               headers: dict[str, str]) -> None:
    try:
        async with asyncio.timeout(timeout):
            status = await client.post(url, body, headers)
    except (OSError, EOFError, TimeoutError, ValueError, httptools.HttpParserError) as exc:
        failure = f"{provider}: {type(exc).__name__}"
    else:
        if 200 <= status < 300:
            return
        failure = f"{provider}: HTTP {status}"
    raise DeliveryFailed(failure)  # outside the handler: the original is not even its __context__
