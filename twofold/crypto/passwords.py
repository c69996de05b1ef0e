"""argon2id password hashing; run in a worker thread, never on the event loop.

argon2-cffi releases the GIL for the whole hash, so each hash is one core's work in its own
thread. At most one runs per usable core, under a limiter of their own rather than anyio's
shared one (40 threads, which sync endpoints also need): more threads than cores finish no
hash sooner, they time-slice them, multiply the 19 MiB working sets and starve the event loop,
which then answers every other request late. Requests beyond that wait on the limiter, which
costs nothing. (2 cores, 2 workers, 32 concurrent logins: with the shared pool ~16 hashes were
in flight per worker, peak RSS 333-523 MiB per worker; with this, 145 MiB and a lower p95.)
"""
from __future__ import annotations

import os

import anyio
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


def _usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class Passwords:
    def __init__(self, memory_kib: int, time_cost: int, parallelism: int, *,
                 max_concurrent: int | None = None) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        # Verified against when the user does not exist, so timing does not tell (R34).
        self._dummy = self._hasher.hash("twofold-dummy-password")
        self._max_concurrent = max_concurrent or _usable_cores()
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        # Created on first use, inside the event loop that will wait on it.
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self._max_concurrent)
        return self._limiter

    def hash_sync(self, password: str) -> str:
        return self._hasher.hash(password)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=self.limiter)

    def _verify(self, stored: str | None, password: str) -> tuple[bool, bool]:
        try:
            self._hasher.verify(stored or self._dummy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, False
        if stored is None:
            return False, False
        return True, self._hasher.check_needs_rehash(stored)

    async def verify(self, stored: str | None, password: str) -> tuple[bool, bool]:
        """(matches, needs_rehash)."""
        return await anyio.to_thread.run_sync(self._verify, stored, password, limiter=self.limiter)
