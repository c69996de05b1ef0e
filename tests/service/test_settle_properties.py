"""The lockout and replay rules as a state machine, checked with Hypothesis on both backends:
any sequence of right codes, replays and wrong codes, at any spacing in time, is settled by the
hot path's one call (store/settle.py: the stored function on PostgreSQL, its statements on
SQLite) exactly as a five-line model of the rules says. Hence no sequence evaluates more than
MAX guesses per cooldown (R31: counted before the verdict; R33: a lockout lasts its cooldown
and attempts during it do not extend it), a step is accepted once and never one at or before the
last accepted one (R1, R2), and a success resets the counter (R32)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twofold.store.settle import settle_otp

from .test_settle import COOLDOWN, MAX, STEP, T, Scenario, Try, _attempt, _given

# Gaps between attempts (ms), with the cooldown's edges among them.
GAPS = st.sampled_from([0, 1, 1_000, 30_000, COOLDOWN - 1, COOLDOWN, COOLDOWN + 1, 2 * COOLDOWN])
EVENTS = st.lists(st.tuples(st.sampled_from(["right", "replay", "older", "wrong"]), GAPS), min_size=1, max_size=14)


class Model:
    """The rules, as the docs state them (docs/architecture.md, "Single use and lockout")."""

    def __init__(self) -> None:
        self.failures, self.last_attempt, self.last_step = 0, None, STEP

    def settle(self, kind: str, now: int) -> tuple[str, int]:
        if self.failures >= MAX and self.last_attempt is not None and self.last_attempt > now - COOLDOWN:
            return "locked", 0  # refused before anything is judged; the lockout is not extended
        counted = (self.failures if self.failures < MAX else 0) + 1
        if kind == "right":
            if self.failures:
                self.last_attempt = now
            self.failures, self.last_step = 0, self.last_step + 1
            return "ok", counted
        self.failures, self.last_attempt = counted, now
        return ("invalid" if kind == "wrong" else "replayed"), counted


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=EVENTS)
async def test_any_sequence_settles_as_the_model_says(rt, events):
    role, _ = await _given(rt, Scenario("property", (), (), None, ()))
    model, at = Model(), 0
    judged: list[tuple[int, str]] = []  # (time, outcome) of the attempts not refused as locked
    for kind, gap in events:
        at += gap
        attempt_step = {"right": model.last_step + 1, "replay": model.last_step, "older": model.last_step - 1,
                        "wrong": None}[kind]
        expected = model.settle(kind, T + at)
        got = await settle_otp(rt.db, _attempt(role, Try(attempt_step, at)))
        assert (got.outcome, got.attempt) == expected, (kind, at, events)
        if got.outcome != "locked":
            judged.append((at, got.outcome))
    # Whatever the sequence: never more than MAX failed guesses judged within one cooldown
    # since the last success.
    streak: list[int] = []
    for judged_at, outcome in judged:
        if outcome == "ok":
            streak.clear()
        else:
            streak = [t for t in streak if t > judged_at - COOLDOWN] + [judged_at]
            assert len(streak) <= MAX, (judged, events)
