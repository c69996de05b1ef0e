"""What a process remembers (services.cache), kept honest across processes.

Without Redis, a change is forgotten at once by the process that made it, and by the others
when their entries expire (5 s). With Redis (TWOFOLD_REDIS_URL), the changing process also
publishes, after its transaction committed, which cache and entry to forget; every process
subscribes at start-up and forgets on the message, within a second. A process that is not
subscribed (Redis away, or not yet reached) cannot know what it missed: it does not use its
caches at all (`trust` raises Unavailable, 503: R69, fail closed), and forgets everything when
it subscribes again."""
from __future__ import annotations

from collections.abc import Hashable

from . import cache
from .cache import TtlCache
from .runtime import Runtime


async def changed(rt: Runtime, store: TtlCache, key: Hashable | None = None) -> None:
    """After a change has committed: forget `key` (None: everything) of `store` here, and tell
    the other processes. `key` goes over the wire: an id, never a secret or a hash of one."""
    store.forget(key)
    if rt.shared is not None:
        await rt.shared.publish({"cache": store.name, "key": key})


def trust(rt: Runtime) -> None:
    """Called before a cached security decision (an API token, a client, the enrollment rules)
    is used: with Redis configured, only while this process hears every invalidation."""
    if rt.shared is not None and not rt.shared.live:
        rt.shared.require_live()


def on_message(message: dict) -> None:
    name, key = message.get("cache"), message.get("key")
    if not isinstance(name, str) or not (key is None or isinstance(key, str)):
        cache.forget_everything()  # not ours, or malformed: nothing remembered is kept
        return
    cache.forget(name, key)


async def listen(rt: Runtime) -> None:
    """The subscription (a task for the server's lifetime; see app.py)."""
    await rt.shared.listen(on_message, cache.forget_everything)
