"""Every query on admin API tokens, and what the capabilities' repositories share: the gapless
counter of numbered documents and the month a timestamp falls in (per-month figures)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from licensor.core.models import AdminTokenRow


class AdminTokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_hash(self, token_hash: str) -> AdminTokenRow | None:
        return self.session.scalars(
            select(AdminTokenRow).where(AdminTokenRow.token_hash == token_hash)).first()


class AdminTokenListRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> Sequence[AdminTokenRow]:
        return self.session.scalars(select(AdminTokenRow)
                                    .order_by(AdminTokenRow.created_at, AdminTokenRow.id)).all()

    def by_id_or_name(self, ref: str) -> list[AdminTokenRow]:
        return list(self.session.scalars(
            select(AdminTokenRow).where((AdminTokenRow.id == ref) | (AdminTokenRow.name == ref))))


def next_in_sequence(session: Session, counter: type[Any]) -> int:
    """The next number of a gapless sequence, from the one row (id 1, `value`) of the mapped
    table `counter`, locked until commit: a rolled-back transaction gives its number back.

    The row is created on first use; INSERT ... ON CONFLICT DO NOTHING keeps two first
    numbers racing on PostgreSQL from failing, and the FOR UPDATE that follows serializes
    them. Orders (order numbers) and tax (credit-note numbers) count with it.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    row = session.get(counter, 1, with_for_update=True, populate_existing=True)
    if row is None:
        session.execute(insert(counter).values(id=1, value=0)
                        .on_conflict_do_nothing(index_elements=["id"]))
        row = session.get(counter, 1, with_for_update=True, populate_existing=True)
    assert row is not None
    row.value += 1
    session.flush()
    return int(row.value)


def month_of(session: Session, column: Any) -> Any:
    """The month of a timestamp column, grouped on: SQLite stores DateTime as ISO text (its
    first 7 characters); PostgreSQL truncates (cheaper per row than formatting)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(column, 1, 7)
    return func.date_trunc("month", column)


def month_key(value: Any) -> str:
    """'YYYY-MM' of what month_of grouped on (text on SQLite, a timestamp on PostgreSQL)."""
    return f"{value:%Y-%m}" if isinstance(value, datetime) else str(value)
