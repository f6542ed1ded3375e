"""The console's orders: a list filtered by status (awaiting payment first, overdue marked) and
a search by number, buyer email or company, and an order's page with Mark paid, Refund (a paid
order) or Cancel order (an unpaid one), through the same services as the API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.formats import money
from licensor.core.web import console
from licensor.core.web.confirm import confirm_page, confirmed
from licensor.core.web.console import Staff, StaffAdmin
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.portal import Form, redirect
from licensor.orders import refunds
from licensor.orders import service as orders
from licensor.orders.enums import OrderStatus
from licensor.orders.quotes.service import get_quote
from licensor.tax import documents as tax_documents
from licensor.tax import service as tax

router = APIRouter(include_in_schema=False)


@router.get("/admin/orders")
def order_list(request: Request, ctx: Ctx, session: ReadSession, _staff: Staff,
               status: str = "", q: str = "") -> Response:
    rows = orders.listing(session, status, q=q)
    now = ctx.clock.now(session)
    return console.render(request, "admin/orders.html", rows=rows, chosen=status, q=q,
                          statuses=orders.ORDER_STATUSES,
                          overdue={r.id for r in rows if orders.overdue(r, now)})


def _page(request: Request, ctx: Context, session: Session, order_id: str, *,
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    order = orders.get_order(session, order_id)
    now = ctx.clock.now(session)
    deadline = orders.refund_deadline(ctx.settings, order)
    return console.render(request, "admin/order.html", status=status, order=order,
                          quote=get_quote(session, order.quote_id), now=now,
                          overdue=orders.overdue(order, now), deadline=deadline,
                          needs_force=deadline is not None and now > deadline,
                          errors=errors or {}, done=request.query_params.get("done", ""),
                          tax=tax.tax_view(order.tax, orders.total_of(order)),
                          evidence=(order.tax or {}).get("evidence") or {},
                          credit_notes=tax_documents.credit_notes_of(session, order.id))


@router.get("/admin/orders/{order_id}")
def order_page(request: Request, ctx: Ctx, session: ReadSession, _staff: Staff,
               order_id: str) -> Response:
    return _page(request, ctx, session, order_id)


@router.post("/admin/orders/{order_id}/mark-paid")
def mark_paid(request: Request, ctx: Ctx, session: WriteSession, member: StaffAdmin,
              form: Form, order_id: str) -> Response:
    if not confirmed(form):
        order = orders.get_order(session, order_id)
        return confirm_page(request, form, title=f"Mark order {order.number} paid",
                            what=[(f"The invoice's money ({money(orders.total_of(order))}) "
                                  "arrived: the order is fulfilled and its License Information "
                                  f"mailed to {order.buyer_email}."), ("This cannot be undone "
                                  "(a refund gives the money back later).")],
                            button="Mark paid", back=f"/admin/orders/{order.id}", danger=False)
    try:
        order = orders.mark_paid(ctx, session, order_id, now=now_for(ctx, session),
                                 actor=member.actor)
    except LicensorError as exc:
        if exc.code == "ORDER_NOT_FOUND":
            raise
        session.rollback()
        return _page(request, ctx, session, order_id, status=exc.status,
                     errors={"mark_paid": exc.message, "_code": exc.code})
    return redirect(request, f"/admin/orders/{order.id}?done=paid")


@router.post("/admin/orders/{order_id}/refund")
def refund(request: Request, ctx: Ctx, session: WriteSession, member: StaffAdmin, form: Form,
           order_id: str) -> Response:
    force = form.get("force", "") == "yes"
    reason = form.get("reason", "").strip()
    if force and not reason:
        return _page(request, ctx, session, order_id, status=422,
                     errors={"reason": "A refund after the refund window needs a reason: it "
                                       "is kept in the audit log."})
    if not confirmed(form):
        order = orders.get_order(session, order_id)
        return confirm_page(request, form, title=f"Refund order {order.number}",
                            what=[(f"{money(orders.total_of(order))} goes back to the buyer "
                                  f"({order.buyer_email}) and the order's license is taken "
                                  "back (an upgrade's previous license is restored)."),
                                  "This cannot be undone."],
                            button="Refund", back=f"/admin/orders/{order.id}")
    try:
        order = refunds.refund(ctx, session, order_id, now=now_for(ctx, session),
                              actor=member.actor, force=force, reason=reason[:2000] or None)
    except LicensorError as exc:
        if exc.code == "ORDER_NOT_FOUND":
            raise
        session.rollback()
        field = "reason" if exc.code == "REFUND_WINDOW_PASSED" else "refund"
        return _page(request, ctx, session, order_id, status=exc.status,
                     errors={field: exc.message.replace(" (force: true)", ""),
                             "_code": exc.code})
    return redirect(request, f"/admin/orders/{order.id}?done={order.status}")


@router.post("/admin/orders/{order_id}/cancel")
def cancel(request: Request, ctx: Ctx, session: WriteSession, member: StaffAdmin, form: Form,
           order_id: str) -> Response:
    """An unpaid order is canceled, not refunded: nothing was paid (the service's refund of an
    unpaid order is its cancel)."""
    order = orders.get_order(session, order_id)
    try:
        if order.status != OrderStatus.AWAITING_PAYMENT:
            raise LicensorError("ORDER_NOT_CANCELABLE", f"Order {order.number} is "
                                f"{order.status.replace('_', ' ')}: only an unpaid order can be "
                                "canceled; a paid one is refunded.", {"order_id": order.id})
        if not confirmed(form):
            return confirm_page(request, form, title=f"Cancel order {order.number}",
                                what=[(f"The unpaid order ({money(orders.total_of(order))}, "
                                      f"{order.buyer_email}) is canceled: its invoice can no "
                                      "longer be paid and no license is issued.")],
                                button="Cancel order", back=f"/admin/orders/{order.id}")
        order = refunds.refund(ctx, session, order_id, now=now_for(ctx, session),
                              actor=member.actor)
    except LicensorError as exc:
        if exc.code == "ORDER_NOT_FOUND":
            raise
        session.rollback()
        # No Cancel order button on a paid order: the refusal is shown at the top instead.
        field = "cancel" if order.status == OrderStatus.AWAITING_PAYMENT else "_form"
        return _page(request, ctx, session, order_id, status=exc.status,
                     errors={field: exc.message, "_code": exc.code})
    return redirect(request, f"/admin/orders/{order.id}?done={order.status}")
