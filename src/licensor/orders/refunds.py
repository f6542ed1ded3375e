"""Refunds (within the vendor's refund window, later only by force) and cancellations.

They build on the orders service, which re-exports them; it is imported where used so
that either module can be imported first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from licensor.core import audit, events, payments
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.orders import coupons
from licensor.orders.models import OrderRow
from licensor.orders.paid import credit_of
from licensor.tax import documents as tax_documents


def refund(ctx: Context, session: Session, order_id: str, *, now: datetime, actor: str,
           force: bool = False, reason: str | None = None) -> OrderRow:
    """Refund a fulfilled order (within the vendor's refund window, later only with force); an
    unpaid one is canceled.

    The processor is asked with no transaction open (the refund's key is derived from the
    order, so asking again after a crash answers the same refund), then the order is updated.
    """
    from licensor.orders import service as orders

    window = ctx.settings.refund_window
    order = _refundable(session, order_id, now, force, window)
    if order.status == "awaiting_payment":
        return cancel(ctx, session, order.id, now=now, actor=actor)
    refund_id = None
    if order.payment_method == "card" and order.charge_id:
        charge_id, amount = order.charge_id, orders.total_of(order)
        session.commit()
        refund_id = payments.processor_for(ctx).refund(
            charge_id, amount, idempotency_key=f"order:{order.id}:refund").id
        order = _refundable(session, order_id, now, force, window)
    quote = orders.get_quote(session, order.quote_id)
    before = orders.snapshot(order)
    orders.kind_of(quote).refund(ctx, session, order, quote, now)
    coupons.give_back(session, order, now)  # the coupon can be used again
    order.refund_id = refund_id
    order.status, order.refunded_at = "refunded", now
    session.flush()
    tax_documents.issue_credit_note(session, orders.sale_of(order), now=now, actor=actor)
    audit.record(session, actor=actor, action="order.refunded", entity_type="order",
                 entity_id=order.id, before=before,
                 after={**orders.snapshot(order), "forced": force,
                        **({"reason": reason} if reason else {})}, now=now)
    events.emit(ctx, session, now, "order.refunded", order=order, quote=quote)
    return order


def _refundable(session: Session, order_id: str, now: datetime, force: bool,
                window: timedelta) -> OrderRow:
    from licensor.orders import service as orders

    order = orders.get_order(session, order_id, for_update=True)
    if order.status == "awaiting_payment":
        return order
    if order.status != "fulfilled":
        raise LicensorError("ORDER_NOT_REFUNDABLE", f"Order {order.number} is {order.status}; "
                            "only a fulfilled order can be refunded.",
                            {"order_id": order.id, "status": order.status})
    paid_at = order.paid_at or order.created_at
    if now - paid_at > window and not force:
        raise LicensorError("REFUND_WINDOW_PASSED", f"Order {order.number} was paid more than "
                            f"{window.days} days ago; only an administrator can force this "
                            "refund (force: true).",
                            {"order_id": order.id, "paid_at": paid_at.isoformat(),
                             "refund_window_days": window.days})
    credited = credit_of(session, order.license_id) if order.license_id else None
    if credited is not None and not force:
        given = ("credit on a site's subscription" if credited.kind == "site"
                 else "a coupon for a server plugin")
        raise LicensorError("ORDER_NOT_REFUNDABLE", f"The license of order {order.number} was "
                            f"turned into {given} on {credited.created_at:%B %-d, %Y}: "
                            "refunding it too would give the same money back twice. Only an "
                            "administrator can force this refund (force: true); the credit "
                            "then stays.", {"order_id": order.id, "credit_kind": credited.kind,
                                            "credit_target": credited.target_id})
    return order


def cancel(ctx: Context, session: Session, order_id: str, *, now: datetime,
           actor: str) -> OrderRow:
    from licensor.orders import service as orders

    order = orders.get_order(session, order_id, for_update=True)
    if order.status != "awaiting_payment":
        raise LicensorError("ORDER_NOT_REFUNDABLE", f"Order {order.number} is {order.status}; "
                            "only an order awaiting payment can be canceled (refund a "
                            "fulfilled one).", {"order_id": order.id, "status": order.status})
    before = orders.snapshot(order)
    order.status, order.canceled_at = "canceled", now
    session.flush()
    audit.record(session, actor=actor, action="order.canceled", entity_type="order",
                 entity_id=order.id, before=before, after=orders.snapshot(order), now=now)
    # order.canceled(order: OrderRow)
    events.emit(ctx, session, now, "order.canceled", order=order)
    return order
