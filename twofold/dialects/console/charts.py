"""The dashboard's charts as geometry for the template's SVG (no script, no chart library, no
CDN: the console's CSP allows none): stacked bars per bucket, a colour per series from a
palette that colour-blind readers can tell apart (Okabe and Ito), a few y-axis ticks, and the
numbers again as a table for screen readers and for reading exact values."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from ...services.activity import Activity, Chart

WIDTH, HEIGHT = 480, 180
LEFT, RIGHT, BOTTOM, TOP = 36, 20, 22, 8  # room for the y ticks, the last x label, the x labels, the top tick
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    fill: str
    label: str  # what a tooltip says: "12:00 · otp: 3"


@dataclass(frozen=True)
class Drawn:
    key: str
    title: str
    total: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value)
    x_labels: list[tuple[float, str]]
    legend: list[tuple[str, str]]  # (colour, series name)
    rows: list[tuple[str, list[int]]]  # (bucket label, one value per series) for the table
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: int = HEIGHT - BOTTOM


def _bucket_label(start_ms: int, daily: bool) -> str:
    when = datetime.datetime.fromtimestamp(start_ms / 1000, datetime.UTC)
    return when.strftime("%a %d %b") if daily else when.strftime("%H:00")


def _nice_top(peak: int) -> int:
    """The y axis' top: 1, 2 or 5 times a power of ten, at least the peak (and at least 1)."""
    return next(m * 10 ** e for e in range(18) for m in (1, 2, 5) if m * 10 ** e >= max(peak, 1))


def draw(activity: Activity, chart: Chart) -> Drawn:
    daily = activity.bucket_ms >= 86_400_000
    n = len(activity.starts)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP
    slot = plot_w / n
    totals = [sum(s.values[i] for s in chart.series) for i in range(n)]
    top = _nice_top(max(totals, default=0))
    colours = {s.name: PALETTE[i % len(PALETTE)] for i, s in enumerate(chart.series)}
    labels = [_bucket_label(start, daily) for start in activity.starts]
    bars = []
    for i in range(n):
        base = HEIGHT - BOTTOM
        for s in chart.series:
            value = s.values[i]
            if not value:
                continue
            h = value / top * plot_h
            base -= h
            bars.append(Bar(round(LEFT + i * slot + slot * 0.15, 2), round(base, 2), round(slot * 0.7, 2),
                            round(h, 2), colours[s.name], f"{labels[i]} · {s.name}: {value}"))
    ticks = [(round(HEIGHT - BOTTOM - v / top * plot_h, 2), v) for v in sorted({0, top // 2, top})]
    every = 4 if n > 12 else 1
    x_labels = [(round(LEFT + (i + 0.5) * slot, 2), labels[i]) for i in range(n) if i % every == (n - 1) % every]
    rows = [(labels[i], [s.values[i] for s in chart.series]) for i in range(n)]
    return Drawn(chart.key, chart.title, chart.total, bars, ticks, x_labels,
                 [(colours[s.name], s.name) for s in chart.series], rows)
