"""Whether a Redis server answers: AUTH (when the URL names a password) and PING, in RESP2, on a
connection of its own that is closed at once. All the readiness check needs, so twofold has no
Redis client dependency until something stores data there."""
from __future__ import annotations

import asyncio
import contextlib
import ssl
from urllib.parse import unquote, urlsplit

DEFAULT_PORT = 6379


def _command(*args: str) -> bytes:
    """A RESP array of bulk strings."""
    out = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


async def ping(url: str) -> bool:
    """True when the server at `url` (redis:// or rediss://, whose certificate is verified)
    accepts its credentials and answers PONG. Connection errors propagate; the caller bounds
    the time."""
    u = urlsplit(url)
    context = ssl.create_default_context() if u.scheme == "rediss" else None
    reader, writer = await asyncio.open_connection(u.hostname, u.port or DEFAULT_PORT, ssl=context)
    try:
        if u.password is not None:
            auth = ("AUTH", unquote(u.username), unquote(u.password)) if u.username else ("AUTH", unquote(u.password))
            writer.write(_command(*auth))
        writer.write(_command("PING"))
        await writer.drain()
        if u.password is not None and await reader.readline() != b"+OK\r\n":
            return False
        return await reader.readline() == b"+PONG\r\n"
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
