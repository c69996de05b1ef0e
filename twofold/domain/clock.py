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


class OffsetFileClock(Clock):
    """Tests only (TWOFOLD_TEST_CLOCK_FILE): the system clock plus the seconds a file holds,
    re-read at every reading, so a test moves a running server process (and the commands it
    runs beside it) through hours without sleeping. A missing or empty file is no offset."""

    def __init__(self, path) -> None:
        self.path = path

    def offset(self) -> float:
        try:
            text = open(self.path).read().strip()
        except FileNotFoundError:
            return 0.0
        return float(text) if text else 0.0

    def now(self) -> float:
        return time.time() + self.offset()
