"""Helpers for the JSON shapes of the API. Times are RFC 3339 UTC with a Z."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:  # e.g. a time given with another offset, not yet reloaded
        moment = moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


# An attribute `overlay` hides: the answer leaves the field out (as if the row had none).
ABSENT = object()


class overlay:
    """`row` with some attributes replaced or added: what an answer shows that the row does
    not hold as such (a total as Money, the loaded licenses), for `Model.model_validate`."""

    def __init__(self, row: Any, **values: Any) -> None:
        self._row, self._values = row, values

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__["_values"]
        if name not in values:
            return getattr(self.__dict__["_row"], name)
        if values[name] is ABSENT:
            raise AttributeError(name)
        return values[name]
