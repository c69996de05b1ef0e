"""A small per-process cache with a time to live, for lookups on hot paths.

What a process remembers is a cache with a stated bound, never the source of truth: an entry
lives `seconds` at most, and a change forgets it at once in the process that made it and, with
Redis, in every other within a second (services.invalidation). Each cache is named, so an
invalidation message can say which one to forget."""
from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

# Every named cache of this process, by name (what invalidation messages carry).
NAMED: dict[str, TtlCache] = {}


class TtlCache(Generic[V]):
    """Entries expire `seconds` after they were stored; the whole cache is dropped when it
    grows past `limit` (cheap, and bounded).

    Every drop and clear bumps `generation`. A reader takes `stamp()` before it reads the
    database and passes it to `put`: if anything was forgotten meanwhile, the value it read may
    predate the change, and it is not stored (it is still used for the request under way)."""

    def __init__(self, name: str, seconds: float, limit: int = 10_000) -> None:
        self.name = name
        self.seconds = seconds
        self.limit = limit
        self.generation = 0
        self._items: dict[Hashable, tuple[V, float]] = {}
        NAMED[name] = self

    def get(self, key: Hashable) -> V | None:
        hit = self._items.get(key)
        if hit is None or hit[1] <= time.monotonic():
            return None
        return hit[0]

    def stamp(self) -> int:
        return self.generation

    def put(self, key: Hashable, value: V, stamp: int | None = None) -> None:
        if stamp is not None and stamp != self.generation:
            return
        if len(self._items) >= self.limit:
            self._items.clear()
        self._items[key] = (value, time.monotonic() + self.seconds)

    def drop(self, key: Hashable) -> None:
        """Forget one entry (after a change)."""
        self.generation += 1
        self._items.pop(key, None)

    def clear(self) -> None:
        self.generation += 1
        self._items.clear()

    def forget(self, key: Hashable | None) -> None:
        """One entry, or (None) all of them."""
        if key is None:
            self.clear()
        else:
            self.drop(key)


def forget(name: str, key: Hashable | None = None) -> None:
    """What an invalidation message asks: one entry of the cache it names, or all of it; a
    name this process does not know (a newer version's cache) clears every cache."""
    cache = NAMED.get(name)
    if cache is None:
        forget_everything()
    else:
        cache.forget(key)


def forget_everything() -> None:
    """After invalidations may have been missed (Redis was away): nothing remembered is trusted."""
    for cache in NAMED.values():
        cache.clear()
