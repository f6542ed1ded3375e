"""Every query on products."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from licensor.catalog.models import ProductRow


class ProductRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, code: str) -> ProductRow | None:
        return self.session.get(ProductRow, code)

    def all(self) -> Sequence[ProductRow]:
        return self.session.scalars(select(ProductRow).order_by(ProductRow.code)).all()

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(ProductRow)) or 0
