"""Month arithmetic that clamps to the month's end (Jan 31 + 1 month = Feb 28, or 29)."""

from __future__ import annotations

from datetime import datetime

from dateutil.relativedelta import relativedelta


def add_months(moment: datetime, months: int) -> datetime:
    """The same day-of-month `months` later, clamped to the last day of a shorter month."""
    return moment + relativedelta(months=months)
