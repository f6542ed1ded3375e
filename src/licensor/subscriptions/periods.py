"""Billing periods that keep their anchor day (Jan 31 → Feb 29 → Mar 31), clamped to month end.

Period n runs from boundary(n) to boundary(n + 1), where boundary(n) = anchor + n intervals
computed from the anchor each time: chaining clamped dates would drift (Jan 31 → Feb 29 →
Mar 29), so no boundary is ever derived from another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from licensor.core.calendar import add_months

MONTHS_IN = {"month": 1, "year": 12}


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def boundary(anchor: datetime, interval: str, n: int) -> datetime:
    """The start of period n: the anchor moved n intervals, day clamped to the month's end."""
    return add_months(anchor, MONTHS_IN[interval] * n)


def period(anchor: datetime, interval: str, n: int) -> Period:
    return Period(boundary(anchor, interval, n), boundary(anchor, interval, n + 1))
