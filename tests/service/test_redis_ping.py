"""The readiness check's Redis ping (observe.redis_ping) against the real Redis at
127.0.0.1:6379: PING alone, AUTH in both forms (a user and password, Redis 6's ACL form, which
a user without a password accepts; a password alone, which a server without one refuses), and
a closed port."""
from __future__ import annotations

import pytest

from twofold.observe import redis_ping

from ..conftest import free_port
from ..redis_support import require_redis


async def test_ping_answers_pong():
    require_redis()
    assert await redis_ping.ping("redis://127.0.0.1:6379/0") is True


async def test_auth_with_a_user_then_ping():
    require_redis()
    assert await redis_ping.ping("redis://default:any%20password@127.0.0.1:6379") is True


async def test_refused_credentials_are_not_ready():
    require_redis()
    assert await redis_ping.ping("redis://:not-configured@127.0.0.1:6379") is False


async def test_no_server_raises():
    with pytest.raises(OSError):
        await redis_ping.ping(f"redis://127.0.0.1:{free_port()}")  # free: nothing listens
