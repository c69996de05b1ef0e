"""Readiness: whether this process can serve requests now. The database answers, its schema is
this release's head migration, and Redis answers PING when TWOFOLD_REDIS_URL names one. Each
check is bounded in time and runs beside the others; an answer names only the check and a word
from a short list, never an error text (which may hold a host, a DSN or a password)."""
from __future__ import annotations

import asyncio
import logging

from ..services.runtime import Runtime
from ..store import migrate
from . import redis_ping

log = logging.getLogger("twofold")

CHECK_SECONDS = 2.0
OK = "ok"


async def _database(rt: Runtime) -> dict[str, str]:
    """{"database": ok, "schema": ok | behind | unknown}, or {"database": unreachable} (no
    schema to read). `behind`: an older revision of this release's migrations, or none (run
    `twofold migrate`); `unknown`: one it does not know (a newer release migrated it)."""
    try:
        async with asyncio.timeout(CHECK_SECONDS), rt.db.held():  # one pooled connection for both reads
            await rt.db.run(migrate.PING)
            try:
                found = await migrate.schema_revisions(rt.db)
            except Exception:  # noqa: BLE001 - no version table: never migrated
                found = set()
    except Exception as exc:  # noqa: BLE001 - unreachable, refused, timed out, dropped: all "not ready"
        log.warning("readiness: the database check failed (%s)", type(exc).__name__)
        return {"database": "unreachable"}
    head, known = migrate.revisions()
    if found == {head}:
        return {"database": OK, "schema": OK}
    return {"database": OK, "schema": "behind" if found <= known else "unknown"}


async def _redis(url: str) -> dict[str, str]:
    """{"redis": ok | unreachable (no answer in time) | refused (it answered, but refused the
    credentials or did not say PONG)}."""
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            answered = await redis_ping.ping(url)
    except Exception as exc:  # noqa: BLE001
        log.warning("readiness: the Redis check failed (%s)", type(exc).__name__)
        return {"redis": "unreachable"}
    return {"redis": OK if answered else "refused"}


async def readiness(rt: Runtime) -> dict[str, str]:
    """check name → its state; ready when every one is "ok"."""
    checks = [_database(rt)]
    if rt.settings.redis_url:
        checks.append(_redis(rt.settings.redis_url))
    out: dict[str, str] = {}
    for result in await asyncio.gather(*checks):
        out.update(result)
    return out
