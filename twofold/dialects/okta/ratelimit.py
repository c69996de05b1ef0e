"""Okta-style rate limits for the management API: a fixed one-minute window per API token
and endpoint group, reported on every answer with X-Rate-Limit-Limit / -Remaining / -Reset
(epoch seconds). Counted per server process, or, with Redis, once for every process
(`SharedWindowLimiter`); a Redis that cannot count refuses the call (Unavailable, 503: R69)."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...store.shared import SharedState

WINDOW = 60


@dataclass
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {"X-Rate-Limit-Limit": str(self.limit), "X-Rate-Limit-Remaining": str(self.remaining),
                "X-Rate-Limit-Reset": str(self.reset)}


def _verdict(per_minute: int, count: int, window: int) -> Verdict:
    return Verdict(count <= per_minute, per_minute, max(0, per_minute - count), (window + 1) * WINDOW)


class FixedWindowLimiter:
    """This process's counts."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._counts: dict[tuple[str, str, int], int] = {}
        self._lock = threading.Lock()

    async def hit(self, token_id: str, group: str, now: float | None = None) -> Verdict:
        now = time.time() if now is None else now
        window = int(now // WINDOW)
        key = (token_id, group, window)
        with self._lock:
            if len(self._counts) > 10_000:  # forget old windows
                self._counts = {k: v for k, v in self._counts.items() if k[2] >= window}
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
        return _verdict(self.per_minute, count, window)


class SharedWindowLimiter:
    """Every process's counts, in Redis: one counter per token, group and minute, kept two
    windows (a process whose clock is a little behind still counts into it)."""

    def __init__(self, per_minute: int, shared: SharedState) -> None:
        self.per_minute = per_minute
        self.shared = shared

    async def hit(self, token_id: str, group: str, now: float | None = None) -> Verdict:
        now = time.time() if now is None else now
        window = int(now // WINDOW)
        count = await self.shared.count_hit(f"ratelimit:{token_id}:{group}:{window}", 2 * WINDOW)
        return _verdict(self.per_minute, count, window)
