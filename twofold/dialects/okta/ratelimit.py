"""Okta-style rate limits for the management API: a fixed one-minute window per API token
and endpoint group, reported on every answer with X-Rate-Limit-Limit / -Remaining / -Reset
(epoch seconds). Counts are kept per server process."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {"X-Rate-Limit-Limit": str(self.limit), "X-Rate-Limit-Remaining": str(self.remaining),
                "X-Rate-Limit-Reset": str(self.reset)}


class FixedWindowLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._counts: dict[tuple[str, str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, token_id: str, group: str, now: float | None = None) -> Verdict:
        now = time.time() if now is None else now
        window = int(now // 60)
        key = (token_id, group, window)
        with self._lock:
            if len(self._counts) > 10_000:  # forget old windows
                self._counts = {k: v for k, v in self._counts.items() if k[2] >= window}
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
        reset = (window + 1) * 60
        return Verdict(count <= self.per_minute, self.per_minute, max(0, self.per_minute - count), reset)
