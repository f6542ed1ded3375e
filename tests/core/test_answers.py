"""An answer is built by its model from the row (`Answer.view`): the shape is written once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import ClassVar

from pydantic import Field

from licensor.core.web.openapi import Answer, Timestamp


@dataclass
class Row:
    id: str
    created_at: datetime
    closed_at: datetime | None
    secret: str


class Thing(Answer):
    id: str
    created_at: Timestamp
    closed_at: Timestamp | None
    total: int
    note: str | None = Field(default=None)
    secret: str | None = None
    not_from_row: ClassVar[frozenset[str]] = frozenset({"secret"})


ROW = Row("t_1", datetime(2026, 1, 15, 10, 30, tzinfo=timezone(timedelta(hours=1))), None,
          "whsec_x")


def test_a_view_is_the_row_through_the_model_with_times_as_utc_text() -> None:
    assert Thing.view(ROW, total=5) == {"id": "t_1", "created_at": "2026-01-15T09:30:00Z",
                                        "closed_at": None, "total": 5}


def test_values_replace_or_add_to_the_rows_attributes() -> None:
    when = datetime(2026, 2, 1, tzinfo=UTC)
    assert Thing.view(ROW, total=1, id="t_2", closed_at=when, note="n") == {
        "id": "t_2", "created_at": "2026-01-15T09:30:00Z", "closed_at": "2026-02-01T00:00:00Z",
        "total": 1, "note": "n"}


def test_a_field_not_from_the_row_is_shown_only_when_given() -> None:
    assert "secret" not in Thing.view(ROW, total=1)
    assert Thing.view(ROW, total=1, secret="whsec_new")["secret"] == "whsec_new"
