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


async def test_one_upsert_takes_each_budget_by_its_own_rule_and_names_those_granted(rt):
    """A send's budgets in one statement (take_all): each row under its own interval and
    maximum; the keys returned are the ones granted, whatever order they were given in."""
    now = rt.now_ms()
    budgets = [("user:u2", 0, 1), ("to:+14155550100", 30_000, 5), ("cc:1", 0, 100)]
    async with rt.db.transaction() as conn:
        assert await send_budgets.take_all(conn, budgets, now, window_ms=WINDOW_MS) == {k for k, _, _ in budgets}
    async with rt.db.transaction() as conn:
        # The user's maximum (1) is spent and the number's interval has not passed; the country's is fine.
        assert await send_budgets.take_all(conn, budgets[::-1], now + 1_000, window_ms=WINDOW_MS) == {"cc:1"}


async def test_a_refused_budget_in_the_send_transaction_spends_none_of_the_others(rt):
    """services.oob raises inside the transaction when any budget refuses: the rollback gives
    the granted ones back, so a refused send costs no budget (R27)."""
    now = rt.now_ms()

    class Refused(Exception):
        pass

    try:
        async with rt.db.atomic():
            granted = await send_budgets.take_all(rt.db, [("user:u3", 0, 0), ("cc:44", 0, 0)], now,
                                                  window_ms=WINDOW_MS)
            assert granted == {"user:u3", "cc:44"}  # a first send is granted whatever the maximum
            raise Refused()
    except Refused:
        pass
    assert await _take(rt, "cc:44", now, interval_ms=0, max_sent=1)  # still the window's first send
    assert not await _take(rt, "cc:44", now, interval_ms=0, max_sent=1)
