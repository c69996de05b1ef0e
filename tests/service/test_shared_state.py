"""The Redis link in one process (store.shared, services.invalidation) against the real Redis:
a message forgets what it names; a link that drops or goes quiet makes the process distrust its
caches at once (R69) and forget all of them before it trusts them again (messages sent meanwhile
were lost); counting and publishing without Redis. Outages through a TCP proxy the test controls."""
from __future__ import annotations

import asyncio
import contextlib
import time
from types import SimpleNamespace

import pytest

from twofold.domain.errors import Unavailable
from twofold.services import invalidation
from twofold.services.cache import TtlCache
from twofold.store import shared as shared_module
from twofold.store.shared import SharedState

from ..conftest import free_port
from ..redis_support import REDIS_URL, redis_address, redis_env, require_redis
from ..tcp_proxy import TcpProxy

CACHE = TtlCache("test_shared_state", 60.0)


async def _until(probe, seconds: float) -> float:
    started = time.monotonic()
    while not probe():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


@contextlib.asynccontextmanager
async def _listening(url: str, prefix: str):
    state = SharedState(url, prefix)
    task = asyncio.create_task(invalidation.listen(SimpleNamespace(shared=state)))
    try:
        yield state
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await state.close()


@pytest.fixture
def prefix() -> str:
    require_redis()
    return redis_env()["TWOFOLD_REDIS_PREFIX"]


async def test_a_message_from_another_process_forgets_what_it_names(prefix):
    async with _listening(REDIS_URL, prefix) as listener:
        await _until(lambda: listener.live, 2.0)
        CACHE.put("kept", 1)
        CACHE.put("changed", 2)
        sender = SharedState(REDIS_URL, prefix)
        try:
            assert await sender.publish({"cache": CACHE.name, "key": "changed"})
            await _until(lambda: CACHE.get("changed") is None, 1.0)
            assert CACHE.get("kept") == 1
            assert await sender.publish({"cache": CACHE.name, "key": None})  # the whole cache
            await _until(lambda: CACHE.get("kept") is None, 1.0)
        finally:
            await sender.close()


def test_a_read_that_began_before_a_change_is_not_remembered():
    stamp = CACHE.stamp()
    invalidation.on_message({"cache": CACHE.name, "key": "other"})  # any change to the cache meanwhile
    CACHE.put("late", "read before the change", stamp)
    assert CACHE.get("late") is None
    CACHE.put("late", "read after it", CACHE.stamp())
    assert CACHE.get("late") == "read after it"


def test_a_message_that_is_not_understood_forgets_everything():
    CACHE.put("x", 1)
    invalidation.on_message({"cache": 7})
    assert CACHE.get("x") is None
    CACHE.put("x", 1)
    invalidation.on_message({"cache": "a cache of a newer version", "key": "k"})
    assert CACHE.get("x") is None


@pytest.mark.parametrize("outage", ["closed", "silent"])
async def test_a_lost_link_is_distrusted_at_once_and_everything_forgotten_before_trust_returns(prefix, outage):
    proxy = TcpProxy(*redis_address()).start()
    try:
        async with _listening(f"redis://127.0.0.1:{proxy.port}/0", prefix) as listener:
            rt = SimpleNamespace(shared=listener)
            await _until(lambda: listener.live, 2.0)
            invalidation.trust(rt)
            CACHE.put("remembered", 1)
            if outage == "closed":
                proxy.stop()
            else:
                proxy.silent = True  # no reset: only the missing answers to its pings tell
            took = await _until(lambda: not listener.live, 3.0)
            assert took <= shared_module.LINK_DEADLINE + 2 * shared_module.HEARTBEAT + 0.5
            with pytest.raises(Unavailable):
                invalidation.trust(rt)
            assert CACHE.get("remembered") == 1  # kept, but not used while distrusted
            if outage == "closed":
                proxy.start()
            else:
                proxy.silent = False
            await _until(lambda: listener.live, 5.0)
            assert CACHE.get("remembered") is None
            invalidation.trust(rt)
    finally:
        proxy.stop()


async def test_without_redis_counting_refuses_and_publishing_reports_failure(prefix):
    state = SharedState(f"redis://127.0.0.1:{free_port()}/0", prefix)
    try:
        with pytest.raises(Unavailable):
            await state.count_hit("ratelimit:t:g:1", 120)
        assert await state.publish({"cache": CACHE.name, "key": None}) is False
        assert await state.reachable() is False
        with pytest.raises(Unavailable):
            state.require_live()
    finally:
        await state.close()


async def test_counts_are_shared_by_every_client(prefix):
    one, two = SharedState(REDIS_URL, prefix), SharedState(REDIS_URL, prefix)
    try:
        assert [await one.count_hit("c", 120), await two.count_hit("c", 120), await one.count_hit("c", 120)] == [1, 2, 3]
        assert 0 < await one.client.ttl(prefix + "c") <= 120
    finally:
        await one.client.delete(prefix + "c")
        await one.close()
        await two.close()
