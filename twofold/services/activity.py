"""What the console's dashboard charts: the last 24 hours by hour or the last 7 days by day,
from the audit log (R68's rows): password sign-ins, second-factor successes and failures by
factor kind, lockouts, and codes sent by channel. Buckets are whole UTC hours or days, the
newest one still filling, so a chart read twice in an hour shows the same bars."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..store import activity as store
from .runtime import Runtime

HOUR_MS, DAY_MS = 3_600_000, 86_400_000
PERIODS = {"24h": (HOUR_MS, 24), "7d": (DAY_MS, 7)}
EVENTS = ("user.authentication.password", "mfa.verify", "user.mfa.lockout", "mfa.challenge")


@dataclass
class Series:
    name: str
    values: list[int]


@dataclass
class Chart:
    key: str
    title: str
    series: list[Series] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(sum(s.values) for s in self.series)


@dataclass
class Activity:
    period: str
    starts: list[int]  # each bucket's start (ms, UTC)
    bucket_ms: int
    charts: list[Chart]


def _detail(text: str | None, key: str) -> str:
    try:
        value = json.loads(text or "{}").get(key)
    except (ValueError, AttributeError):
        value = None
    return value if isinstance(value, str) and value else "other"


async def recent(rt: Runtime, period: str) -> Activity:
    bucket_ms, buckets = PERIODS[period]
    now = rt.now_ms()
    first = (now // bucket_ms - (buckets - 1)) * bucket_ms
    async with rt.db.transaction() as conn:
        rows = await store.counts_by_bucket(conn, since=first, until=first + buckets * bucket_ms,
                                            bucket_ms=bucket_ms, event_types=EVENTS)
    charts = {key: Chart(key, title) for key, title in (
        ("sign_ins", "Password sign-ins"), ("mfa_success", "Second-factor successes by factor"),
        ("mfa_failure", "Second-factor failures by factor"), ("lockouts", "Lockouts"),
        ("codes_sent", "Codes sent by channel"))}
    named: dict[tuple[str, str], list[int]] = {}

    def add(chart: str, name: str, bucket: int, n: int) -> None:
        values = named.get((chart, name))
        if values is None:
            values = named[chart, name] = [0] * buckets
            charts[chart].series.append(Series(name, values))
        values[bucket] += n

    for bucket, event_type, outcome, detail, n in rows:
        if not 0 <= bucket < buckets:
            continue
        if event_type == "user.authentication.password" and outcome == "SUCCESS":
            add("sign_ins", "sign-ins", bucket, n)
        elif event_type == "mfa.verify" and outcome in ("SUCCESS", "FAILURE"):
            add("mfa_success" if outcome == "SUCCESS" else "mfa_failure", _detail(detail, "kind"), bucket, n)
        elif event_type == "user.mfa.lockout":
            add("lockouts", "lockouts", bucket, n)
        elif event_type == "mfa.challenge" and outcome == "SUCCESS":
            add("codes_sent", _detail(detail, "channel"), bucket, n)
    for chart in charts.values():
        chart.series.sort(key=lambda s: s.name)
    return Activity(period, [first + i * bucket_ms for i in range(buckets)], bucket_ms, list(charts.values()))
