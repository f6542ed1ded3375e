"""Every query on admin API tokens."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
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
