"""Redis for the tests: the server at 127.0.0.1:6379 (TWOFOLD_TEST_REDIS_URL), skipped when it is
unreachable unless CI=true (then a failure, as PostgreSQL). Each test takes its own key prefix,
so runs in parallel neither count into each other's limits nor hear each other's messages."""
from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable
from urllib.parse import urlparse

import pytest

REDIS_URL = os.environ.get("TWOFOLD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_address() -> tuple[str, int]:
    u = urlparse(REDIS_URL)
    return u.hostname or "127.0.0.1", u.port or 6379


def _redis_problem() -> str | None:
    try:
        with socket.create_connection(redis_address(), timeout=2) as s:
            s.sendall(b"PING\r\n")
            answer = s.recv(64)
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if answer.startswith(b"+PONG") else f"unexpected answer {answer!r}"


def require_redis() -> None:
    problem = _redis_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required under CI but unreachable: {problem}")
        pytest.skip(f"Redis unreachable: {problem}")


def redis_env(url: str = REDIS_URL) -> dict[str, str]:
    """The settings of one test's servers: the Redis URL and a prefix of their own."""
    return {"TWOFOLD_REDIS_URL": url, "TWOFOLD_REDIS_PREFIX": f"twofold-test-{secrets.token_hex(6)}:"}


def within(seconds: float, probe: Callable[[], bool], *, since: float | None = None) -> float:
    """Polls `probe` until it is true; fails if that takes longer than `seconds` from `since`
    (default: now). Returns the time it took."""
    start = time.monotonic() if since is None else since
    while True:
        if probe():
            return time.monotonic() - start
        elapsed = time.monotonic() - start
        assert elapsed < seconds, f"not within {seconds} s"
        time.sleep(0.02)
