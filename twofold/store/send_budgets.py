"""Send budgets (R27): how many codes went to a key (a user, a number or address, a country
calling code) in the current window, and when the last one went. Taking a send is one upsert,
atomic alone and across processes: granted (a row returned) only while the interval since the
last send has passed and the window's budget is not spent."""
from __future__ import annotations

from sqlalchemy import bindparam, case, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .db import Executor, on_sqlite, run
from .tables import send_budgets as t


def _take_statement(insert):
    now = bindparam("now")
    new_window = t.c.window_start <= bindparam("window_cutoff")
    return (
        insert(t)
        .values(key=bindparam("k"), window_start=now, sent=1, last_sent_at=now)
        .on_conflict_do_update(
            index_elements=[t.c.key],
            set_={"window_start": case((new_window, now), else_=t.c.window_start),
                  "sent": case((new_window, 1), else_=t.c.sent + 1),
                  "last_sent_at": now},
            where=(t.c.last_sent_at <= bindparam("interval_cutoff"))
            & (new_window | (t.c.sent < bindparam("max_sent"))),
        )
        .returning(t.c.sent)
    )


_TAKE = {"postgresql": _take_statement(pg_insert), "sqlite": _take_statement(sqlite_insert)}
# A send that never left (the provider failed) gives its interval back, not its count: a
# provider that timed out may still have delivered, and the budget bounds the cost either way.
_GIVE_BACK_INTERVAL = update(t).where(t.c.key == bindparam("k"), t.c.last_sent_at == bindparam("at")).values(
    last_sent_at=0)


# A budget without an interval (per user, per country, per number when the interval is 0) has
# no interval test at all: sends read the clock before they commit, so under concurrency a
# committed send may carry a later reading than the one now taking the budget ("last sent at
# or before now - 0" would then refuse it, a spurious 429).
_NO_INTERVAL = 2 ** 62


async def take(executor: Executor, key: str, now: int, *, interval_ms: int, max_sent: int, window_ms: int) -> bool:
    stmt = _TAKE["sqlite" if on_sqlite(executor) else "postgresql"]
    cutoff = now - interval_ms if interval_ms > 0 else _NO_INTERVAL
    return bool(await run(executor, stmt, {"k": key, "now": now, "interval_cutoff": cutoff,
                                           "window_cutoff": now - window_ms, "max_sent": max_sent}))


async def give_back_interval(executor: Executor, key: str, at: int) -> None:
    await run(executor, _GIVE_BACK_INTERVAL, {"k": key, "at": at})
