"""Queries of quotes, orders and the order-number counter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, case, cast, func, or_, select
from sqlalchemy.orm import Session

from licensor.orders.enums import OrderStatus
from licensor.orders.models import OrderCounterRow, OrderLinkRow, OrderRow, QuoteRow


class QuoteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, quote_id: str, *, for_update: bool = False) -> QuoteRow | None:
        return self.session.get(QuoteRow, quote_id, with_for_update=for_update,
                                populate_existing=for_update)

    def count_open(self, product: str, now: datetime) -> int:
        """Quotes of a product still good at `now` and not yet paid: each keeps its price."""
        paid = select(OrderRow.quote_id).where(OrderRow.status != OrderStatus.AWAITING_PAYMENT)
        return int(self.session.scalar(
            select(func.count()).select_from(QuoteRow)
            .where(QuoteRow.product == product, QuoteRow.expires_at > now,
                   QuoteRow.id.not_in(paid))) or 0)


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, order_id: str, *, for_update: bool = False) -> OrderRow | None:
        return self.session.get(OrderRow, order_id, with_for_update=for_update,
                                populate_existing=for_update)

    def keep_old_link(self, order: OrderRow) -> None:
        """The order's current link hash joins its older links (a newer one replaces it)."""
        if order.link_token_hash is not None:
            self.session.add(OrderLinkRow(token_hash=order.link_token_hash, order_id=order.id))

    def has_old_link(self, order_id: str, token_hash: str) -> bool:
        row = self.session.get(OrderLinkRow, token_hash)
        return row is not None and row.order_id == order_id

    def by_quote(self, quote_id: str) -> OrderRow | None:
        return self.session.scalars(select(OrderRow).where(OrderRow.quote_id == quote_id)).first()

    def by_number(self, number: str) -> OrderRow | None:
        return self.session.scalars(select(OrderRow).where(OrderRow.number == number)).first()

    def later_fulfilled_for_license(self, license_id: str, order_id: str) -> Sequence[OrderRow]:
        """Other fulfilled orders whose result is this license (e.g. a renewal of it)."""
        return self.session.scalars(
            select(OrderRow).where(OrderRow.license_id == license_id,
                                   OrderRow.status == OrderStatus.FULFILLED,
                                   OrderRow.id != order_id)).all()

    def search(self, *, status: str | None = None, email: str | None = None,
               limit: int = 50, after_number: str | None = None) -> Sequence[OrderRow]:
        query = select(OrderRow).order_by(OrderRow.number)
        if status:
            query = query.where(OrderRow.status == status)
        if email:
            query = query.where(func.lower(OrderRow.buyer_email) == email.lower())
        if after_number:
            query = query.where(OrderRow.number > after_number)
        return self.session.scalars(query.limit(limit)).all()

    def listing(self, status: str | None, limit: int, q: str = "") -> Sequence[OrderRow]:
        """The console's list: orders awaiting payment first (oldest due first), then the
        rest, newest first; `q` keeps those whose number, buyer email or buyer (company, name,
        PO number: the buyer as stored) contains it, in any case."""
        waiting = case((OrderRow.status == OrderStatus.AWAITING_PAYMENT, 0), else_=1)
        query = select(OrderRow).order_by(waiting, OrderRow.due_at, OrderRow.created_at.desc())
        if status:
            query = query.where(OrderRow.status == status)
        if q:
            like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_") + "%"
            query = query.where(or_(
                func.lower(OrderRow.number).like(like, escape="\\"),
                func.lower(OrderRow.buyer_email).like(like, escape="\\"),
                func.lower(cast(OrderRow.buyer, String)).like(like, escape="\\")))
        return self.session.scalars(query.limit(limit)).all()

    def next_number(self) -> int:
        """The next order number, from a counter row locked until commit.

        The row is created on first use; INSERT ... ON CONFLICT DO NOTHING keeps two first
        orders racing on PostgreSQL from failing, and the FOR UPDATE that follows serializes
        them.
        """
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        row = self.session.get(OrderCounterRow, 1, with_for_update=True, populate_existing=True)
        if row is None:
            self.session.execute(insert(OrderCounterRow).values(id=1, value=0)
                                 .on_conflict_do_nothing(index_elements=["id"]))
            row = self.session.get(OrderCounterRow, 1, with_for_update=True,
                                   populate_existing=True)
        assert row is not None
        row.value += 1
        self.session.flush()
        return row.value
