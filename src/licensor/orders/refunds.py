"""Refunds (within the vendor's refund window, later only by force) and cancellations.

A card refund is a durable attempt, like a charge (see core/payments.py): under the order's
lock every refusal is checked first — the window, a credit, and the order's kind undoing its
fulfilment (license upgraded since, moved to the marketplace...), tried in a savepoint that is
rolled back — so a refused refund returns no money. Then a refund attempt is committed
holding the license (no upgrade can be paid meanwhile), the processor is asked with no
transaction open, and the order is recorded refunded. A processor that cannot be reached
answers 503 PROCESSOR_UNAVAILABLE with nothing changed; one whose answer is lost, or a crash
before the record, leaves the attempt in doubt, and reconciliation asks the processor again
with the same idempotency key (the same refund, or the one the checks allowed) and records it.
A charge already refunded at the processor (from its dashboard) counts as refunded.

They build on the orders service (callers import them from here).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from licensor.core import audit, events, payments
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.formats import human_date
from licensor.core.money import Money
from licensor.core.payment_models import PaymentAttemptRow
from licensor.discounts import service as discounts
from licensor.licenses.queries import lineage_root
from licensor.orders import service as orders
from licensor.orders.coupons import service as coupons
from licensor.orders.enums import OrderStatus
from licensor.orders.models import OrderRow
from licensor.tax import documents as tax_documents

log = logging.getLogger("licensor.orders")


def refund(ctx: Context, session: Session, order_id: str, *, now: datetime, actor: str,
           force: bool = False, reason: str | None = None) -> OrderRow:
    """Refund a fulfilled order (within the vendor's refund window, later only with force); an
    unpaid one is canceled."""
    window = ctx.settings.refund_window
    order = _refundable(session, order_id, now, force, window)
    if order.status == OrderStatus.AWAITING_PAYMENT:
        return cancel(ctx, session, order.id, now=now, actor=actor)
    if order.payment_method != "card" or not order.charge_id:
        return _record(ctx, session, order_id, None, now, {"actor": actor, "force": force,
                                                           "reason": reason})

    def prepare() -> payments.PlannedAttempt | None:
        order = _refundable(session, order_id, now, force, window)
        _check_refusals(ctx, session, order, now)  # before any money moves
        return payments.PlannedAttempt(
            purpose="refund", subject_id=order.id,
            lock_key=f"license:{order.license_id}" if order.license_id else f"order:{order.id}",
            key_stem=f"order:{order.id}:refund", amount=orders.total_of(order),
            description=f"Refund of order {order.number}", metadata={"order_id": order.id},
            request={"charge_id": order.charge_id, "order_id": order.id, "actor": actor,
                     "force": force, "reason": reason})

    attempt = payments.begin(ctx, session, prepare, now)
    assert attempt is not None
    given = payments.give_back(ctx, session, attempt)
    done = _record(ctx, session, order_id, given.id, now, attempt.request)
    payments.close(session, attempt.id, "succeeded", refund_id=given.id)
    return done


def _check_refusals(ctx: Context, session: Session, order: OrderRow, now: datetime) -> None:
    """Raise what the refund's record would raise, changing nothing: the kind's undoing (and
    the coupon's return) are tried in a savepoint that is always rolled back."""
    quote = orders.get_quote(session, order.quote_id)
    savepoint = session.begin_nested()
    try:
        orders.kind_of(quote).refund(ctx, session, order, quote, now)
        coupons.give_back(session, order, now)
    finally:
        savepoint.rollback()


def _record(ctx: Context, session: Session, order_id: str, refund_id: str | None,
            now: datetime, request: dict[str, Any]) -> OrderRow:
    """The order refunded: its fulfilment undone, its coupon given back, audited."""
    order = orders.get_order(session, order_id, for_update=True)
    quote = orders.get_quote(session, order.quote_id)
    before = orders.snapshot(order)
    try:
        with session.begin_nested():
            orders.kind_of(quote).refund(ctx, session, order, quote, now)
    except LicensorError as exc:  # changed in the instant the money went back: say so
        log.error("order %s refunded at the processor but its kind refused: %s",
                  order.id, exc.code)
    coupons.give_back(session, order, now)  # the coupon can be used again
    order.refund_id = refund_id
    order.status, order.refunded_at = OrderStatus.REFUNDED, now
    session.flush()
    reason, force = request.get("reason"), bool(request.get("force"))
    actor = str(request.get("actor") or "reconciliation")
    tax_documents.issue_credit_note(session, orders.sale_of(order), now=now, actor=actor)
    audit.record(session, actor=actor,
                 action="order.refunded", entity_type="order", entity_id=order.id,
                 before=before, after={**orders.snapshot(order), "forced": force,
                                       **({"reason": reason} if reason else {})}, now=now)
    events.emit(ctx, session, now, "order.refunded", order=order, quote=quote)
    return order


@payments.settler("refund")
def _settle(ctx: Context, attempt_id: str) -> str:
    """A refund attempt in doubt: asked again with its key, the processor answers the refund
    it made (or makes the one the checks allowed, the license held meanwhile); recorded."""
    with ctx.db.reader() as s:
        attempt = s.get(PaymentAttemptRow, attempt_id)
        assert attempt is not None
        s.expunge(attempt)
    given = payments.processor_for(ctx).refund(
        attempt.request["charge_id"], Money(attempt.amount, attempt.currency),
        idempotency_key=attempt.processor_key)
    with ctx.db.writer() as s:
        row = s.get(PaymentAttemptRow, attempt_id, with_for_update=True)
        assert row is not None
        if row.status not in payments.IN_DOUBT:
            return row.status
        if orders.get_order(s, row.subject_id, for_update=True).status == OrderStatus.FULFILLED:
            _record(ctx, s, row.subject_id, given.id, row.business_time, row.request)
        payments.close(s, attempt_id, "succeeded", refund_id=given.id)
        s.commit()
    log.warning("reconciled refund %s", attempt_id)
    return "succeeded"


def _refundable(session: Session, order_id: str, now: datetime, force: bool,
                window: timedelta) -> OrderRow:
    order = orders.get_order(session, order_id, for_update=True)
    if order.status == OrderStatus.AWAITING_PAYMENT:
        return order
    if order.status != OrderStatus.FULFILLED:
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
    credited = (discounts.credit_of_lineage(session, lineage_root(session, order.license_id))
                if order.license_id else None)
    if credited is not None and not force:
        given = ("credit on a site's subscription" if credited.kind == "site"
                 else "a coupon for a server plugin")
        raise LicensorError("ORDER_NOT_REFUNDABLE", f"The license of order {order.number} was "
                            f"turned into {given} on {human_date(credited.created_at)}: "
                            "refunding it too would give the same money back twice. Only an "
                            "administrator can force this refund (force: true); the credit "
                            "then stays.", {"order_id": order.id, "credit_kind": credited.kind,
                                            "credit_target": credited.target_id})
    return order


def cancel(ctx: Context, session: Session, order_id: str, *, now: datetime,
           actor: str) -> OrderRow:
    order = orders.get_order(session, order_id, for_update=True)
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise LicensorError("ORDER_NOT_REFUNDABLE", f"Order {order.number} is {order.status}; "
                            "only an order awaiting payment can be canceled (refund a "
                            "fulfilled one).", {"order_id": order.id, "status": order.status})
    before = orders.snapshot(order)
    order.status, order.canceled_at = OrderStatus.CANCELED, now
    session.flush()
    audit.record(session, actor=actor, action="order.canceled", entity_type="order",
                 entity_id=order.id, before=before, after=orders.snapshot(order), now=now)
    # order.canceled(order: OrderRow)
    events.emit(ctx, session, now, "order.canceled", order=order)
    return order
