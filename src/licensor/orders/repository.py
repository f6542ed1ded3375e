"""Queries of quotes, orders and the order-number counter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, case, cast, func, or_, select
from sqlalchemy.orm import Session

from licensor.core.repository import month_key, month_of, next_in_sequence
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
        """The next order number, from a counter row locked until commit (gapless)."""
        return next_in_sequence(self.session, OrderCounterRow)


class OrderReadRepository:
    """What other capabilities read of orders (the console's search, a license's dossier, the
    dashboard's aggregates): orders.queries answers with these."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def fulfilled_totals(self, license_ids: list[str]) -> list[tuple[int, str]]:
        """(total minor units, currency) of each fulfilled order of these licenses."""
        return [(int(amount), str(currency)) for amount, currency in self.session.execute(
            select(OrderRow.total_amount, OrderRow.currency)
            .where(OrderRow.license_id.in_(license_ids), OrderRow.status == OrderStatus.FULFILLED))]

    def license_ids_of_order(self, text: str) -> list[str]:
        """The license an order number (or order id) made or changed."""
        return [i for i in self.session.scalars(
            select(OrderRow.license_id).where(or_(OrderRow.number == text,
                                                  OrderRow.id == text))) if i]

    def of_licenses(self, license_ids: list[str]) -> list[OrderRow]:
        return list(self.session.scalars(select(OrderRow)
                                         .where(OrderRow.license_id.in_(license_ids))
                                         .order_by(OrderRow.created_at)))

    def revenue_per_month(self, since: datetime) -> list[tuple[str, str, str, int, int]]:
        """(month, kind, currency, total minor units, count) of orders paid and not refunded."""
        month = month_of(self.session, OrderRow.paid_at)
        rows = self.session.execute(
            select(month, OrderRow.kind, OrderRow.currency, func.sum(OrderRow.total_amount),
                   func.count())
            .where(OrderRow.status == OrderStatus.FULFILLED, OrderRow.paid_at >= since)
            .group_by(month, OrderRow.kind, OrderRow.currency))
        return [(month_key(m), str(k), str(c), int(t or 0), int(n)) for m, k, c, t, n in rows]

    def open_invoices(self, now: datetime) -> list[tuple[str, int, int, int]]:
        """(currency, count, total, overdue count) of invoice orders awaiting payment."""
        overdue = func.sum(case((OrderRow.due_at < now, 1), else_=0))
        rows = self.session.execute(
            select(OrderRow.currency, func.count(), func.sum(OrderRow.total_amount), overdue)
            .where(OrderRow.status == OrderStatus.AWAITING_PAYMENT, OrderRow.payment_method == "invoice")
            .group_by(OrderRow.currency))
        return [(str(c), int(n), int(t or 0), int(o or 0)) for c, n, t, o in rows]
