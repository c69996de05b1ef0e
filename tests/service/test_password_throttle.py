"""The password throttle's rules with an injected clock, on both backends: only confirmed
failures lock; attempts in flight hold slots that a verdict gives back and a lease ends; the
cooldown and an unlock forget failures, not slots; the console counts a non-administrator's
right password like a wrong one (R31, R32, R33, R34)."""
from __future__ import annotations

import pytest

from twofold.domain.errors import InvalidCredentials, TooManyAttempts
from twofold.services import console_auth
from twofold.services.users import throttle_key
from twofold.store import throttle

from ..support import PASSWORD

KEY = "realm:someone@example.com"


def _limits(rt) -> tuple[int, int]:
    return rt.settings.password_max_failures, rt.settings.password_lockout_seconds * 1000


async def _reserve(rt, key: str = KEY) -> bool:
    return await throttle.reserve(rt.db, key, rt.now_ms(), *_limits(rt))


async def _locked(rt, key: str = KEY) -> bool:
    return await throttle.locked(rt.db, key, rt.now_ms(), *_limits(rt))


async def _fill(rt, n: int) -> None:
    for _ in range(n):
        assert await _reserve(rt)


async def test_slots_in_flight_fill_the_budget_without_locking_and_verdicts_give_them_back(rt):
    """R31: ten attempts in flight take the whole budget: the eleventh waits (refused, not
    locked); successes give their slots back and leave no failure behind."""
    limit = rt.settings.password_max_failures
    await _fill(rt, limit)
    assert not await _reserve(rt) and not await _locked(rt)
    for _ in range(limit):
        await throttle.succeeded(rt.db, KEY)
    await _fill(rt, limit)


async def test_only_confirmed_failures_lock_until_the_cooldown(rt):
    """R31, R33: ten failures lock; attempts during the lock do not extend it; after the
    cooldown counting starts again from zero."""
    limit, cooldown_ms = _limits(rt)
    for _ in range(limit):
        assert await _reserve(rt)
        await throttle.failed(rt.db, KEY, rt.now_ms(), limit, cooldown_ms)
    assert not await _reserve(rt) and await _locked(rt)
    rt.clock.advance(cooldown_ms / 1000 - 1)
    assert not await _reserve(rt) and await _locked(rt)
    rt.clock.advance(1)
    assert not await _locked(rt)
    await _fill(rt, limit)  # the budget is whole again


async def test_a_slot_is_leased_so_a_request_that_died_does_not_keep_it(rt):
    """Slots whose request never gave a verdict are dropped once the lease has passed, and
    were never failures."""
    await _fill(rt, rt.settings.password_max_failures)
    assert not await _reserve(rt)
    rt.clock.advance(throttle.LEASE_MS / 1000 - 1)
    assert not await _reserve(rt)
    rt.clock.advance(1)
    await _fill(rt, rt.settings.password_max_failures)


async def test_unlock_forgets_failures_not_slots_in_flight(rt):
    """R33: an unlock clears the failures; attempts still in flight keep their slots, so the
    budget is never exceeded by an unlock during a guessing storm."""
    limit, cooldown_ms = _limits(rt)
    await _fill(rt, limit)
    for _ in range(limit // 2):
        await throttle.failed(rt.db, KEY, rt.now_ms(), limit, cooldown_ms)
    async with rt.db.transaction() as conn:
        await throttle.clear(conn, KEY)
    await _fill(rt, limit // 2)
    assert not await _reserve(rt) and not await _locked(rt)


async def test_console_counts_a_non_administrators_right_password_as_a_failure(rt, user):
    """R34, R50: the console answers a non-administrator's right password like a wrong one,
    and counts it like one: ten of them lock the login, with no slot left in flight."""
    for _ in range(rt.settings.password_max_failures):
        with pytest.raises(InvalidCredentials):
            await console_auth.sign_in_password(rt, user.login, PASSWORD, None)
    assert await _locked(rt, throttle_key(user.realm_id, user.login_key))
    with pytest.raises(TooManyAttempts):
        await console_auth.sign_in_password(rt, user.login, PASSWORD, None)

