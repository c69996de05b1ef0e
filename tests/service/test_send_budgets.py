"""Send budgets (store.send_budgets, R27) under sends whose clock readings reach the database
out of order: two processes (or two requests of one) read the clock, then commit in the other
order. A budget that has no interval (per user, per country calling code, and per number when
TWOFOLD_SEND_INTERVAL_SECONDS is 0) counts such a send; only the interval rule may refuse it."""
from __future__ import annotations

from twofold.store import send_budgets

WINDOW_MS = 3_600_000


async def _take(rt, key: str, now: int, *, interval_ms: int, max_sent: int = 100) -> bool:
    async with rt.db.transaction() as conn:
        return await send_budgets.take(conn, key, now, interval_ms=interval_ms, max_sent=max_sent,
                                       window_ms=WINDOW_MS)


async def test_a_budget_without_interval_grants_a_send_read_earlier_than_the_last_one(rt):
    now = rt.now_ms()
    assert await _take(rt, "cc:1", now + 5, interval_ms=0)
    # Read the clock 5 ms before the send above, committed after it: still within the budget.
    assert await _take(rt, "cc:1", now, interval_ms=0)


async def test_a_budget_without_interval_still_counts_to_its_maximum(rt):
    now = rt.now_ms()
    assert await _take(rt, "user:u1", now + 5, interval_ms=0, max_sent=2)
    assert await _take(rt, "user:u1", now, interval_ms=0, max_sent=2)
    assert not await _take(rt, "user:u1", now + 10, interval_ms=0, max_sent=2)


async def test_the_interval_rule_refuses_a_send_within_the_interval_in_either_order(rt):
    now = rt.now_ms()
    assert await _take(rt, "to:+14155552671", now + 5, interval_ms=30_000)
    assert not await _take(rt, "to:+14155552671", now, interval_ms=30_000)
    assert not await _take(rt, "to:+14155552671", now + 29_000, interval_ms=30_000)
    assert await _take(rt, "to:+14155552671", now + 30_005, interval_ms=30_000)
