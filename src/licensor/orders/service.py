"""Orders: a quote bought by card or invoice, paid, fulfilled exactly once, refunded.

A card payment is durable (`payments`): an attempt is committed before the card is charged
and fulfilment commits after, so a crash in between is settled by reconciliation. For a quote
about an existing license the license row is locked and its version compared with the quote's
*before* the card is charged, and one payment per license is open at a time, so of two orders
racing to upgrade one license exactly one is charged and fulfilled; the other waits its turn,
then gets 409 QUOTE_STALE, never charged. If fulfilment does not commit (a refusal, a failed
commit), the charge is refunded at once. A quote's coupon is redeemed by fulfilment (`coupons`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from licensor.catalog.rules import Product, seats_text
from licensor.catalog.service import get_product
from licensor.config import Settings
from licensor.core import audit, events, mail, payments
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.formats import human_date, money
from licensor.core.money import Money
from licensor.core.payment_models import PaymentAttemptRow
from licensor.licenses import service as licenses
from licensor.licenses.service import LicenseRow
from licensor.orders import rules
from licensor.orders.coupons import service as coupons
from licensor.orders.enums import OrderStatus, QuoteKind
from licensor.orders.links import (  # noqa: F401  (the order's links, used by pages too)
    OLD_LINKS_LAST,
    is_latest_link,
    issue_link,
    link_token,
    order_by_link,
    order_link,
)
from licensor.orders.models import OrderRow, QuoteRow
from licensor.orders.quotes.kinds import QuoteKindHandler, quote_kind
from licensor.orders.quotes.service import get_quote
from licensor.orders.repository import OrderRepository, QuoteRepository
from licensor.tax import documents as tax_documents
from licensor.tax import service as tax


def format_number(n: int) -> str:
    return f"LIC-{n:06d}"


def total_of(order: OrderRow | QuoteRow) -> Money:
    return Money(order.total_amount, order.currency)


def snapshot(order: OrderRow) -> dict[str, Any]:
    return {"number": order.number, "status": order.status, "kind": order.kind,
            "total": order.total_amount, "currency": order.currency,
            "payment_method": order.payment_method, "license_id": order.license_id,
            "charge_id": order.charge_id, "refund_id": order.refund_id}


def get_order(session: Session, order_id: str, *, for_update: bool = False) -> OrderRow:
    repo = OrderRepository(session)
    row = repo.get(order_id, for_update=for_update)
    if row is None and order_id.upper().startswith("LIC-"):
        found = repo.by_number(order_id.upper())
        if found is not None:
            row = repo.get(found.id, for_update=for_update)
    if row is None:
        raise LicensorError("ORDER_NOT_FOUND", f"No order {order_id[:60]}; use the id (or the "
                            "number) that POST /v1/orders answered.", {"order_id": order_id[:60]})
    return row


def kind_of(quote: QuoteRow) -> QuoteKindHandler:
    kind = quote_kind(quote.kind)
    if kind is None:  # a capability was removed after the quote was made
        raise LicensorError("ORDER_NOT_PAYABLE", f"Quotes of kind {quote.kind!r} cannot be "
                            "fulfilled by this installation; contact the vendor.",
                            {"kind": quote.kind})
    return kind


def ensure_fresh(session: Session, quote: QuoteRow) -> LicenseRow | None:
    """Lock the quoted license and refuse if it changed since the quote (nothing charged)."""
    if quote.license_id is None:
        return None
    row = licenses.get_license(session, quote.license_id, for_update=True)
    if quote.license_version is not None and row.version != quote.license_version:
        raise LicensorError("QUOTE_STALE", "The license changed since this quote was made "
                            "(another upgrade or renewal went through); nothing was charged. "
                            "Ask for a new quote with your current License Information.",
                            {"quote_id": quote.id, "license_id": row.id,
                             "superseded_by": row.superseded_by})
    return row


def ensure_not_expired(quote: QuoteRow, now: datetime) -> None:
    rules.check_quote_current(quote.id, quote.created_at, quote.expires_at, now)


# -- ordering -------------------------------------------------------------------------------

def create_order(ctx: Context, session: Session, *, quote_id: str, buyer: dict[str, Any],
                 payment_method: str, license_name: str | None, now: datetime,
                 actor: str = "public", client_address: str | None = None) -> OrderRow:
    quote = get_quote(session, quote_id, for_update=True)
    ensure_not_expired(quote, now)
    existing = OrderRepository(session).by_quote(quote.id)
    if existing is not None:
        raise LicensorError("QUOTE_ALREADY_ORDERED", f"This quote is already order "
                            f"{existing.number}; pay that order, or ask for a new quote.",
                            {"order_id": existing.id, "number": existing.number})
    kind_of(quote)
    ensure_fresh(session, quote)
    buyer, stored_tax = taxed_buyer(ctx, session, quote, buyer, now, client_address)
    total = Money(tax.total_of(stored_tax), quote.currency)
    rules.check_payment_method(ctx.settings, payment_method, total)
    email = licenses.check_email(str(buyer.get("email", "")), "buyer.email")
    coupons.ensure_usable(session, quote, email)
    name = licenses.check_license_name(license_name) if license_name else None
    number = format_number(OrderRepository(session).next_number())
    order = OrderRow(
        id="ord_" + uuid.uuid4().hex, number=number, quote_id=quote.id, kind=quote.kind,
        product=quote.product, status=OrderStatus.AWAITING_PAYMENT, total_amount=total.amount,
        currency=quote.currency, payment_method=payment_method, tax=stored_tax,
        buyer={k: v for k, v in buyer.items() if v is not None}, buyer_email=email,
        license_name=name, created_at=now,
        due_at=now + ctx.settings.invoice_terms if payment_method == "invoice" else None)
    session.add(order)
    link = order_link(ctx, order, issue_link(order))
    session.flush()
    audit.record(session, actor=actor, action="order.created", entity_type="order",
                 entity_id=order.id, before=None, after=snapshot(order), now=now)
    if payment_method == "invoice":
        mail_invoice(session, order, quote, now, link=link,
                     terms_days=ctx.settings.invoice_terms_days,
                     attachment=order_pdf(ctx, session, order, quote))
    # order.created(order: OrderRow)
    events.emit(ctx, session, now, "order.created", order=order)
    return order


def taxed_buyer(ctx: Context, session: Session, quote: QuoteRow, buyer: dict[str, Any],
                now: datetime, client_address: str | None
                ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The buyer with their country and VAT ID as checked, and the order's tax: worked out
    again for the buyer (the quote may have been made for nobody in particular)."""
    customer = tax.customer_of({"country": buyer.get("country"), "vat_id": buyer.get("vat_id")},
                               "buyer")
    assert customer is not None
    evidence = {"buyer_country": customer.country, "ip_address": client_address}
    stored = tax.assess(ctx, session, tax.price_of(quote.tax, total_of(quote)), customer,
                        now=now, where="buyer", evidence=evidence)
    checked = {**buyer, "country": customer.country, "vat_id": stored["vat_id"]}
    return checked, stored


def order_pdf(ctx: Context, session: Session, order: OrderRow, quote: QuoteRow
              ) -> tuple[str, bytes]:
    from licensor.orders.documents import order_pdf  # documents reads this module's terms
    return order_pdf(ctx.settings, session, order, quote)


def mail_invoice(session: Session, order: OrderRow, quote: QuoteRow, now: datetime, *,
                 terms_days: int, link: str | None = None,
                 attachment: tuple[str, bytes] | None = None) -> None:
    lines = [{"description": line["description"], "amount": money(line["amount"])}
             for line in quote.lines]
    due = human_date(order.due_at) if order.due_at else ""
    mail.enqueue_mail(session, "invoice", to=order.buyer_email, now=now, attachment=attachment,
                      greeting_name=buyer_name(order), order_number=order.number, lines=lines,
                      total=money(total_of(order)), due=due, terms_days=terms_days, link=link,
                      **tax.mail_fields(order.tax, order.currency))


def buyer_name(order: OrderRow) -> str:
    return str((order.buyer or {}).get("name") or "").strip()


# -- payment and fulfilment -----------------------------------------------------------------

def _fulfil(ctx: Context, session: Session, order: OrderRow, quote: QuoteRow, now: datetime,
            actor: str, charge: payments.Charge | None = None) -> LicenseRow:
    before = snapshot(order)
    if charge is not None:
        order.tax = tax.with_card_country(order.tax, charge.card_country)
    coupons.redeem(session, order, quote, now)  # refused: this transaction rolls back
    license_row = kind_of(quote).fulfil(ctx, session, order, quote, now)
    order.license_id = license_row.id
    order.status = OrderStatus.FULFILLED
    order.paid_at = order.fulfilled_at = now
    session.flush()
    tax_documents.record_invoice(session, sale_of(order), now=now)
    audit.record(session, actor=actor, action="order.fulfilled", entity_type="order",
                 entity_id=order.id, before=before, after=snapshot(order), now=now)
    product = get_product(session, license_row.product)
    # The fulfilment mail is the order's receipt too (the amount, how it was paid, when); its
    # subject tells a new license from an upgrade or a renewal.
    mail.enqueue_mail(session, "order_fulfilled", to=order.buyer_email, now=now,
                      attachment=order_pdf(ctx, session, order, quote),
                      greeting_name=buyer_name(order), kind=order.kind,
                      order_number=order.number,
                      what=fulfilment_what(order, quote, license_row, product),
                      total=money(total_of(order)), payment_method=order.payment_method,
                      paid_at=now, link=order_link(ctx, order, issue_link(order)),
                      license_information=licenses.license_information_text(
                          license_row, product.name, product.seat_unit or "user"),
                      **tax.mail_fields(order.tax, order.currency))
    events.emit(ctx, session, now, "order.fulfilled", order=order, quote=quote)
    return license_row


def sale_of(order: OrderRow) -> tax_documents.Sale:
    return tax_documents.Sale(number=order.number, currency=order.currency, tax=order.tax,
                              total=order.total_amount, order_id=order.id)


def fulfilment_what(order: OrderRow, quote: QuoteRow, license_row: LicenseRow,
                    product: Product) -> str:
    """What happened, in words: "Your license now covers 5 users, up from 1 user; we charged
    $340.00 to your card." """
    paid = (f"we charged {money(total_of(order))} to your card" if order.payment_method == "card"
            else f"we received your payment of {money(total_of(order))}")
    covers = seats_text(license_row.seats, product.seat_unit)
    if order.kind == QuoteKind.UPGRADE:
        before = seats_text((quote.details or {}).get("from_seats"), product.seat_unit)
        return f"Your license now covers {covers}, up from {before}; {paid}."
    if order.kind == QuoteKind.RENEWAL and license_row.maintenance_until is not None:
        return (f"Your maintenance now runs until {human_date(license_row.maintenance_until)}; "
                f"{paid}.")
    return f"Your new license covers {covers}; {paid}."


def _payable(session: Session, order_id: str, method: str) -> tuple[OrderRow, QuoteRow]:
    order = get_order(session, order_id, for_update=True)
    if order.status == OrderStatus.FULFILLED:  # e.g. a retry of a payment settled after a crash
        raise LicensorError("ORDER_NOT_PAYABLE", f"Order {order.number} is already paid and "
                            "fulfilled; its License Information was mailed to the buyer. "
                            "Nothing more was charged.",
                            {"order_id": order.id, "status": order.status,
                             "charge_id": order.charge_id})
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise LicensorError("ORDER_NOT_PAYABLE", f"Order {order.number} is {order.status}; only "
                            "an order awaiting payment can be paid.",
                            {"order_id": order.id, "status": order.status})
    if order.payment_method != method:
        hint = ("it is paid by invoice: an administrator marks it paid when the transfer "
                "arrives" if order.payment_method == "invoice" else "pay it by card")
        raise LicensorError("ORDER_NOT_PAYABLE", f"Order {order.number} cannot be paid this "
                            f"way; {hint}.", {"order_id": order.id,
                                              "payment_method": order.payment_method})
    return order, get_quote(session, order.quote_id)


def pay(ctx: Context, session: Session, order_id: str, card_token: str, *, now: datetime,
        actor: str = "public") -> OrderRow:
    """Charge the card and fulfil, durably (see `payments`): the attempt is committed before
    the card is charged, and a charge whose fulfilment does not commit is refunded."""
    def prepare() -> payments.PlannedAttempt | None:
        order, quote = _payable(session, order_id, "card")
        ensure_not_expired(quote, now)
        ensure_fresh(session, quote)  # under the row lock, before any money moves
        coupons.ensure_usable(session, quote, order.buyer_email)
        if order.total_amount <= 0:
            return None
        return payments.PlannedAttempt(
            purpose="order", subject_id=order.id,
            lock_key=f"license:{quote.license_id}" if quote.license_id else f"order:{order.id}",
            key_stem=f"order:{order.id}:pay", amount=total_of(order),
            description=f"Order {order.number}", metadata={"order_id": order.id})

    try:
        attempt = payments.begin(ctx, session, prepare, now)
    except LicensorError as exc:
        if exc.code == "ORDER_NOT_PAYABLE" and payments.settled_from_doubt(
                session, "order", order_id):  # the retry of a payment left unconfirmed
            return get_order(session, order_id)
        raise
    if attempt is None:  # nothing to charge: fulfil in this transaction
        order, quote = _payable(session, order_id, "card")
        _fulfil(ctx, session, order, quote, now, actor)
        return order
    if attempt.status != "pending":  # paid while we waited our turn (a retry after a crash)
        return get_order(session, order_id)
    charge = payments.charge(ctx, session, attempt, payments.PaymentSource(card_token=card_token))
    order, quote = _payable(session, order_id, "card")
    ensure_fresh(session, quote)
    payments.record_paid(ctx, session, attempt, charge)
    order.charge_id = charge.id
    _fulfil(ctx, session, order, quote, now, actor, charge)
    return order


@payments.fulfiller("order")
def _fulfil_after_crash(ctx: Context, session: Session, attempt: PaymentAttemptRow,
                        charge: payments.Charge) -> None:
    """A card order whose process died after the charge: fulfil it as of the payment."""
    order, quote = _payable(session, attempt.subject_id, "card")
    ensure_fresh(session, quote)
    order.charge_id = charge.id
    _fulfil(ctx, session, order, quote, attempt.business_time, "reconciliation", charge)


def mark_paid(ctx: Context, session: Session, order_id: str, *, now: datetime,
              actor: str) -> OrderRow:
    """An invoice's money arrived: fulfil the order."""
    order, quote = _payable(session, order_id, "invoice")
    ensure_fresh(session, quote)
    _fulfil(ctx, session, order, quote, now, actor)
    return order


def open_quotes(session: Session, product: str, now: datetime) -> int:
    """How many quotes of `product` can still be ordered or paid at the price they show: a
    catalog change leaves them at their old price until they expire."""
    return QuoteRepository(session).count_open(product, now)


# The statuses an order can be found in (none is only "paid": payment fulfils it).
ORDER_STATUSES = tuple(s for s in OrderStatus if s != OrderStatus.PAID)


def listing(session: Session, status: str | None, limit: int = 200,
            q: str = "") -> Sequence[OrderRow]:
    """Orders for the console, awaiting payment first, those matching `q` (number, buyer email
    or company, any case) only when given; 422 INVALID_REQUEST for an unknown status."""
    if status and status not in ORDER_STATUSES:
        raise LicensorError("INVALID_REQUEST", "status must be one of "
                            f"{', '.join(ORDER_STATUSES)}.", {"field": "status"})
    return OrderRepository(session).listing(status or None, limit, q.strip()[:200])


def overdue(order: OrderRow, now: datetime) -> bool:
    """An invoice whose payment terms have run out."""
    return (order.status == OrderStatus.AWAITING_PAYMENT and order.due_at is not None
            and order.due_at < now)


def refund_deadline(settings: Settings, order: OrderRow) -> datetime | None:
    """The last moment a fulfilled order can be refunded without force."""
    if order.status != OrderStatus.FULFILLED:
        return None
    return (order.paid_at or order.created_at) + settings.refund_window


def order_licenses(session: Session, order: OrderRow) -> list[LicenseRow]:
    if order.license_id is None:
        return []
    return [licenses.get_license(session, order.license_id)]

