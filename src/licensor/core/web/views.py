"""Helpers for the JSON shapes of the API. Times are RFC 3339 UTC with a Z."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:  # e.g. a time given with another offset, not yet reloaded
        moment = moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")
