"""The dashboard's activity figures (services/activity.py) from audit rows at known times, on
both backends: each event lands in its UTC hour or day, the 24-hour view leaves out what is
older, second-factor outcomes are split by factor kind and codes by channel, and rows of
other kinds or outcomes are not counted."""
from __future__ import annotations

from twofold.services import activity, audit

HOUR, DAY = 3_600_000, 86_400_000


async def _event(rt, at: int, event_type: str, outcome: str, detail: dict | None = None) -> None:
    async with rt.db.transaction() as conn:
        await audit.record(conn, at, event_type, outcome, detail=detail)


async def test_events_land_in_their_hour_and_day_by_kind_and_channel(rt):
    now = rt.now_ms()
    this_hour = now // HOUR * HOUR
    await _event(rt, now, "user.authentication.password", "SUCCESS")
    await _event(rt, now, "user.authentication.password", "FAILURE")  # not a sign-in
    await _event(rt, this_hour - 1, "user.authentication.password", "SUCCESS")  # the hour before
    await _event(rt, now, "mfa.verify", "SUCCESS", {"kind": "otp"})
    await _event(rt, now, "mfa.verify", "SUCCESS", {"kind": "sms"})
    await _event(rt, now, "mfa.verify", "FAILURE", {"kind": "otp"})
    await _event(rt, now, "mfa.verify", "DENY", {"kind": "otp"})  # refused while locked: counted as a lockout's effect, not a failure
    await _event(rt, now, "user.mfa.lockout", "DENY", {"kind": "otp", "failures": 10})
    await _event(rt, now, "mfa.challenge", "SUCCESS", {"channel": "sms", "delivered": "sms"})
    await _event(rt, now, "mfa.challenge", "FAILURE", {"channel": "sms"})  # not delivered: not sent
    await _event(rt, now - 2 * DAY, "mfa.challenge", "SUCCESS", {"channel": "email", "delivered": "email"})
    await _event(rt, now - 8 * DAY, "user.authentication.password", "SUCCESS")  # older than both views

    day = await activity.recent(rt, "24h")
    assert len(day.starts) == 24 and day.starts[-1] == this_hour
    charts = {c.key: {s.name: s.values for s in c.series} for c in day.charts}
    assert charts["sign_ins"]["sign-ins"][-2:] == [1, 1] and sum(charts["sign_ins"]["sign-ins"]) == 2
    assert charts["mfa_success"] == {"otp": [0] * 23 + [1], "sms": [0] * 23 + [1]}
    assert charts["mfa_failure"] == {"otp": [0] * 23 + [1]}
    assert sum(charts["lockouts"]["lockouts"]) == 1
    assert charts["codes_sent"] == {"sms": [0] * 23 + [1]}  # the email two days ago is not in the last 24 h

    week = await activity.recent(rt, "7d")
    assert len(week.starts) == 7 and week.starts[-1] == now // DAY * DAY
    charts = {c.key: {s.name: s.values for s in c.series} for c in week.charts}
    assert charts["codes_sent"]["email"][-3] == 1 and charts["codes_sent"]["sms"][-1] == 1
    assert sum(charts["sign_ins"]["sign-ins"]) == 2  # eight days ago is out of the week
    assert {c.key: c.total for c in week.charts}["mfa_success"] == 2
