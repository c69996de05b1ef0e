"""The optional Redis (TWOFOLD_REDIS_URL): counters every server process shares (the Okta
management API's rate limits) and the channel on which a process that changed something tells
every other what to forget (services.invalidation).

A process trusts its caches only while it is subscribed and hears Redis (`live`): the listener
pings a quiet link, so a Redis that goes away is noticed within LINK_DEADLINE, and after every
(re)subscription the caches are forgotten first, since messages sent meanwhile were lost. redis-py
retries nothing here (a transparent reconnect would resubscribe without telling us about the gap):
an error is an error, and the listener reconnects on its own."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from ..domain.errors import Unavailable

log = logging.getLogger("twofold")

HEARTBEAT = 0.25  # a quiet subscription is pinged this often (s)
LINK_DEADLINE = 1.0  # silence beyond this (no message, no pong) means Redis is gone
TIMEOUT = 1.0  # connect and answer timeout of every command (then: Unavailable, 503)
RETRY_MAX = 1.0  # the listener retries at most this long apart while Redis is away


class SharedState:
    def __init__(self, url: str, prefix: str) -> None:
        self.prefix = prefix
        self.channel = prefix + "invalidate"
        self.client = aioredis.Redis.from_url(
            url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT, retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
        )
        self.live = False  # subscribed, and heard from within LINK_DEADLINE
        self.subscribed = asyncio.Event()  # set at the first subscription (start-up waits for it briefly)

    def require_live(self) -> None:
        if not self.live:
            raise Unavailable("redis")

    async def count_hit(self, name: str, ttl_seconds: int) -> int:
        """Adds one to the counter `name` (kept `ttl_seconds`) and returns its new value."""
        key = self.prefix + name
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, ttl_seconds)
                count, _ = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise Unavailable("redis") from exc
        return int(count)

    async def publish(self, message: dict) -> bool:
        """Sends `message` to every subscribed process; False (and a warning) if Redis could
        not take it: the change it announces has committed already, and the other processes
        forget by their caches' time to live instead (or at once, if they lost Redis too)."""
        try:
            await self.client.publish(self.channel, json.dumps(message, separators=(",", ":")))
            return True
        except (RedisError, OSError) as exc:
            log.warning("could not publish a cache invalidation to Redis (%s): other processes forget it "
                        "within their caches' time to live", type(exc).__name__)
            return False

    async def reachable(self) -> bool:
        """For readiness: Redis answers a PING within TIMEOUT."""
        try:
            return bool(await self.client.ping())
        except (RedisError, OSError):
            return False

    async def listen(self, on_message: Callable[[dict], None], on_subscribed: Callable[[], None]) -> None:
        """Runs until cancelled. After each (re)subscription `on_subscribed` runs before `live`
        is set; each message on the channel goes to `on_message` (a malformed one as {})."""
        loop = asyncio.get_running_loop()
        delay = 0.05
        while True:
            pubsub = self.client.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                heard = loop.time()
                while True:
                    msg = await pubsub.get_message(timeout=HEARTBEAT)
                    now = loop.time()
                    if msg is None:
                        if now - heard > LINK_DEADLINE:
                            raise RedisConnectionError("no answer from Redis")
                        await pubsub.ping()
                        continue
                    heard = now
                    if msg["type"] == "subscribe":
                        on_subscribed()
                        if not self.live:
                            log.info("subscribed to Redis: cache invalidations are shared")
                        self.live, delay = True, 0.05
                        self.subscribed.set()
                    elif msg["type"] == "message":
                        on_message(_decoded(msg["data"]))
            except (RedisError, OSError) as exc:
                if self.live:
                    log.warning("lost Redis (%s): sign-in and verification answer 503 until it is back",
                                type(exc).__name__)
            finally:
                self.live = False
                try:
                    await pubsub.aclose()
                except (RedisError, OSError):
                    pass
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)

    async def close(self) -> None:
        self.live = False
        await self.client.aclose()


def _decoded(data) -> dict:
    try:
        message = json.loads(data)
    except (TypeError, ValueError):
        return {}
    return message if isinstance(message, dict) else {}
