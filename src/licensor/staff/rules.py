"""Pure rules of the dashboard: which months it shows, monthly recurring revenue, and the
server-drawn SVG bar charts (no I/O, no clock)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

MONTHS_SHOWN = 12


def months_back(now: datetime, count: int = MONTHS_SHOWN) -> list[str]:
    """'YYYY-MM' of the last `count` months, oldest first, this month last."""
    year, month = now.year, now.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def first_moment(month: str) -> datetime:
    year, mon = month.split("-")
    return datetime(int(year), int(mon), 1, tzinfo=UTC)


def monthly_amount(basis: int, interval: str) -> int:
    """What a period's price is worth a month, in minor units: a yearly price / 12, rounded
    half up to the minor unit (MRR is a figure to read, never charged)."""
    if interval == "year":
        return int((Decimal(basis) / 12).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return basis


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]
    colour: str


def bar_chart(title: str, months: Sequence[str], series: Sequence[Series], *,
              scale: int = 1, width: int = 600, height: int = 220) -> str:
    """Stacked bars, one per month; `scale` divides values for the axis labels (100 for cents).
    Accessible: a title and a description naming the figures, and the table beside it."""
    left, bottom, top = 56, 28, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    totals = [sum(s.values[i] for s in series) for i in range(len(months))]
    peak = max([*totals, 1])
    step = plot_w / max(len(months), 1)
    bar_w = step * 0.7
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
              f'role="img" aria-labelledby="t-{_id(title)}"><title id="t-{_id(title)}">'
              f'{escape(title)}</title>')]
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        label = _axis(peak * frac / scale)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" '
                     'stroke="#dde1e7"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#5b6472">{label}</text>')
    for i, month in enumerate(months):
        x = left + i * step + (step - bar_w) / 2
        y = top + plot_h
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / peak
            y -= h
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}" fill="{s.colour}" data-month="{month}" '
                         f'data-series="{escape(s.name)}" data-value="{value}">'
                         f'<title>{escape(s.name)} {month}: {value / scale:g}</title></rect>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - 10}" text-anchor="middle" '
                     f'font-size="10" fill="#5b6472">{month[2:]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _axis(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value < 10:  # small counts: half of 1 is 0.5, not 0
        return f"{value:g}"
    return f"{value:,.0f}"


def _id(title: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in title.lower())
