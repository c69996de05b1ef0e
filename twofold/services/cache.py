"""A small per-process cache with a time to live, for lookups on hot paths."""
from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    """Entries expire `seconds` after they were stored; the whole cache is dropped when it
    grows past `limit` (cheap, and bounded)."""

    def __init__(self, seconds: float, limit: int = 10_000) -> None:
        self.seconds = seconds
        self.limit = limit
        self._items: dict[Hashable, tuple[V, float]] = {}

    def get(self, key: Hashable) -> V | None:
        hit = self._items.get(key)
        if hit is None or hit[1] <= time.monotonic():
            return None
        return hit[0]

    def put(self, key: Hashable, value: V) -> None:
        if len(self._items) >= self.limit:
            self._items.clear()
        self._items[key] = (value, time.monotonic() + self.seconds)

    def drop(self, key: Hashable) -> None:
        """Forget one entry (after a change made in this process)."""
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()
