"""Time is injected: services read a Clock, tests move it without sleeping."""
from __future__ import annotations

import time


class Clock:
    def now(self) -> float:
        """Seconds since the epoch."""
        return time.time()

    def now_ms(self) -> int:
        return int(self.now() * 1000)


class FixedClock(Clock):
    """A clock for tests: stands still until moved."""

    def __init__(self, at: float) -> None:
        self.at = float(at)

    def now(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds
