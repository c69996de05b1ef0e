"""Send budgets (R27): how many codes went to a key (a user, a number or address, a country
calling code) in the current window, and when the last one went. Taking a send is one upsert,
atomic alone and across processes: granted (a row returned) only while the interval since the
last send has passed and the window's budget is not spent. A send takes its two or three
budgets in one multi-row upsert (`take_all`): one round trip, and the rows granted tell which
rule refused."""
from __future__ import annotations

from sqlalchemy import and_, bindparam, case, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .db import Executor, on_sqlite, run
from .tables import send_budgets as t


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
    return key in await take_all(executor, [(key, interval_ms, max_sent)], now, window_ms=window_ms)


async def give_back_interval(executor: Executor, key: str, at: int) -> None:
    await run(executor, _GIVE_BACK_INTERVAL, {"k": key, "at": at})


def _take_all_statement(insert, n: int):
    """`n` budgets in one upsert: row i is granted under its own interval and maximum, and
    RETURNING names the keys granted."""
    now = bindparam("now")
    new_window = t.c.window_start <= bindparam("window_cutoff")
    rows = [{"key": bindparam(f"k{i}"), "window_start": now, "sent": 1, "last_sent_at": now} for i in range(n)]
    granted = or_(*(and_(t.c.key == bindparam(f"k{i}"), t.c.last_sent_at <= bindparam(f"interval_cutoff{i}"),
                         new_window | (t.c.sent < bindparam(f"max_sent{i}"))) for i in range(n)))
    return (
        insert(t).values(rows)
        .on_conflict_do_update(
            index_elements=[t.c.key],
            set_={"window_start": case((new_window, now), else_=t.c.window_start),
                  "sent": case((new_window, 1), else_=t.c.sent + 1), "last_sent_at": now},
            where=granted)
        .returning(t.c.key)
    )


_TAKE_ALL = {(backend, n): _take_all_statement(insert, n)
             for backend, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert)) for n in (1, 2, 3)}


async def take_all(executor: Executor, budgets: list[tuple[str, int, int]], now: int, *, window_ms: int) -> set[str]:
    """`budgets`: (key, interval ms, max sends per window), distinct keys. Returns the keys
    granted; a caller that needs them all and got fewer rolls the transaction back, so none
    is spent. Taken in key order: parallel sends lock shared rows (a country's) in one order."""
    budgets = sorted(budgets)
    params = {"now": now, "window_cutoff": now - window_ms}
    for i, (key, interval_ms, max_sent) in enumerate(budgets):
        params[f"k{i}"] = key
        params[f"interval_cutoff{i}"] = now - interval_ms if interval_ms > 0 else _NO_INTERVAL
        params[f"max_sent{i}"] = max_sent
    stmt = _TAKE_ALL["sqlite" if on_sqlite(executor) else "postgresql", len(budgets)]
    return {row.key for row in await run(executor, stmt, params)}
