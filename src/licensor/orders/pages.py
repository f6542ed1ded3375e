"""The buying pages: upgrade prices, buy, upgrade, renew, checkout, quotes and the buyer's
order page. Every price, rule and refusal comes from the services the API calls; a refusal is
shown next to the field it concerns, with the service's own message."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from licensor.catalog import service as catalog
from licensor.catalog.rules import Product, seats_text
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.payment_models import PaymentAttemptRow
from licensor.core.web.clients import client_address
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.portal import Form, finish, redirect, render, stripe_key
from licensor.licenses import service as licenses
from licensor.licenses.pasted import read_pasted
from licensor.orders import checkout_tax, corrections, documents
from licensor.orders import rules as order_rules
from licensor.orders import service as orders
from licensor.orders.coupons import pages as coupon_pages
from licensor.orders.enums import QuoteKind
from licensor.orders.quotes import service as quotes
from licensor.orders.rules import upgrade_table
from licensor.tax import documents as tax_documents
from licensor.tax.credit_notes import credit_note_document

router = APIRouter(include_in_schema=False)

# Which field a refusal belongs next to; the rest go next to the License Key.
SEATS_CODES = {"UPGRADE_NOT_LARGER", "INVALID_SEATS", "INVALID_TIER", "SINGLE_USER_ONLY"}
CARD_CODES = {"CARD_DECLINED", "PAYMENT_FAILED", "PAYMENT_ACTION_REQUIRED",
              "PAYMENT_IN_PROGRESS", "PAYMENT_INTERRUPTED", "PROCESSOR_UNAVAILABLE",
              "PAYMENT_UNCONFIRMED"}


def refusal(exc: LicensorError, field: str) -> dict[str, str]:
    """The errors of a form: the service's message next to `field`, and where a marketplace
    license can be upgraded instead."""
    errors = {field: exc.message, "_code": exc.code, "_field": field}
    url = exc.details.get("url") if isinstance(exc.details, dict) else None
    if isinstance(url, str) and url:
        errors["_url"] = url
    secret = exc.details.get("client_secret") if isinstance(exc.details, dict) else None
    if exc.code == "PAYMENT_ACTION_REQUIRED" and isinstance(secret, str):
        errors["_client_secret"] = secret  # the card element asks the bank's confirmation
    return errors


def seat_options(product: Product, above: int | None) -> list[tuple[str, str]] | None:
    """For tiered products the tiers larger than `above` (a select); None for volume pricing
    (a number field)."""
    if product.pricing is None or product.pricing.kind != "tiers":
        return None
    return [("unlimited" if t.seats is None else str(t.seats), seats_text(t.seats,
                                                                            product.seat_unit))
            for t in product.pricing.tiers
            if above is not None and (t.seats is None or t.seats > above) or above is None]


def parse_seats(text: str) -> int | None | str:
    """The seats field: a whole number, "unlimited" (None), or the text back when it is
    neither (the service's own INVALID_SEATS message is then shown)."""
    text = text.strip()
    if text.casefold() == "unlimited":
        return None
    return int(text) if text.isdigit() and len(text) < 10 else text


def invalid_seats(text: str) -> LicensorError:
    return LicensorError("INVALID_SEATS", f"Total users must be a whole number; {text[:20]!r} "
                         "is not.", {"field": "seats"})


# -- prices -----------------------------------------------------------------------------------

@router.get("/pricing/{code}/upgrades")
def upgrade_prices(request: Request, code: str, session: ReadSession) -> Response:
    product = catalog.get_product(session, code)
    if not product.is_perpetual or product.pricing is None:
        return render(request, "orders/upgrades.html", status=409, product=product, rows=[],
                      marketplace_url=quotes.marketplace_url_of(product))
    rows = [r for r in upgrade_table(product.pricing)
            if r.from_seats is None or r.from_seats <= 10 or product.pricing.kind == "tiers"]
    return render(request, "orders/upgrades.html", product=product, rows=rows,
                  unit=product.seat_unit, seats_text=seats_text)


# -- the upgrade flow -------------------------------------------------------------------------

def _license_step(ctx: Context, session: Session, name: str, key: str) -> tuple[Any, Product]:
    row = licenses.current_license(ctx, session, name, key)
    product = catalog.get_product(session, row.product)
    quotes.ensure_sold_here(product)
    quotes.ensure_direct(product, row)
    return row, product


@router.get("/upgrade")
def upgrade_start(request: Request) -> Response:
    return render(request, "orders/upgrade.html", step=1, errors={}, form={})


@router.post("/upgrade")
def upgrade_post(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    name, key = read_pasted(form.get("license_name", ""), form.get("license_key", ""))
    values = {**form, "license_name": name, "license_key": key}
    try:
        row, product = _license_step(ctx, session, name, key)
    except LicensorError as exc:
        return render(request, "orders/upgrade.html", status=exc.status, step=1,
                      errors=refusal(exc, "license_key"), form=values)
    page = {"step": 2, "form": values, "license": row, "product": product,
            "options": seat_options(product, row.seats), "seats_text": seats_text}
    if form.get("step") != "seats":
        return render(request, "orders/upgrade.html", errors={}, **page)
    seats = parse_seats(form.get("seats", ""))
    # The key was verified by _license_step: the quote is priced for that license, not checked
    # again. "Show price" only prices it (nothing is stored); Continue stores the quote.
    show_only = form.get("action") == "price"
    body = {"kind": QuoteKind.UPGRADE, "license_name": name, "license_key": key, "seats": seats}
    try:
        if isinstance(seats, str):
            raise invalid_seats(seats)
        price = quotes.price_quote if show_only else quotes.create_quote
        quote = price(ctx, session, body, now=now_for(ctx, session), verified=row)
    except LicensorError as exc:
        field = "seats" if exc.code in SEATS_CODES else "license_key"
        return render(request, "orders/upgrade.html", status=exc.status,
                      errors=refusal(exc, field), **page)
    if isinstance(quote, quotes.PricedQuote):  # Show price: on this step, then Continue
        return render(request, "orders/upgrade.html", errors={}, quote=quote, **page)
    return redirect(request, f"/checkout/{quote.id}")


# -- renew ------------------------------------------------------------------------------------

@router.get("/renew")
def renew_start(request: Request) -> Response:
    return render(request, "orders/renew.html", errors={}, form={})


@router.post("/renew")
def renew_post(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    name, key = read_pasted(form.get("license_name", ""), form.get("license_key", ""))
    try:
        quote = quotes.create_quote(ctx, session, {"kind": QuoteKind.RENEWAL, "license_name": name,
                                                   "license_key": key},
                                    now=now_for(ctx, session))
    except LicensorError as exc:
        return render(request, "orders/renew.html", status=exc.status,
                      errors=refusal(exc, "license_key"),
                      form={"license_name": name, "license_key": key})
    return redirect(request, f"/checkout/{quote.id}")


# -- buy --------------------------------------------------------------------------------------

@router.get("/buy/{code}")
def buy_start(request: Request, code: str, session: ReadSession) -> Response:
    product = catalog.get_product(session, code)
    if product.model == "subscription":  # nothing to buy once: a page says where to subscribe
        return render(request, "orders/buy_subscription.html", product=product)
    return render(request, "orders/buy.html", product=product, errors={}, form={},
                  options=seat_options(product, None))


@router.post("/buy/{code}")
def buy_post(request: Request, code: str, ctx: Ctx, session: WriteSession,
             form: Form) -> Response:
    product = catalog.get_product(session, code)
    if product.model == "subscription":
        return redirect(request, f"/buy/{product.code}")
    seats = parse_seats(form.get("seats", ""))
    try:
        if isinstance(seats, str):
            raise invalid_seats(seats)
        quote = quotes.create_quote(ctx, session, {"kind": "new", "product": product.code,
                                                   "seats": seats}, now=now_for(ctx, session))
    except LicensorError as exc:
        return render(request, "orders/buy.html", status=exc.status, product=product,
                      errors=refusal(exc, "seats"), form=form,
                      options=seat_options(product, None))
    return redirect(request, f"/checkout/{quote.id}")


# -- checkout (step 3 of every flow) ----------------------------------------------------------

def _checkout(request: Request, ctx: Context, session: Session, quote_id: str,
              errors: dict[str, str], form: dict[str, str], status: int = 200) -> Response:
    quote = quotes.get_quote(session, quote_id)
    minimum = order_rules.invoice_minimum(ctx.settings, quote.currency)
    summary, tax_errors = checkout_tax.summary(ctx, session, quote, form,
                                               ctx.clock.now(session))
    return render(request, "orders/checkout.html", status=status, quote=quote,
                  product=catalog.get_product(session, quote.product),
                  errors={**tax_errors, **errors}, form=form, summary=summary,
                  countries=checkout_tax.country_options() if summary["collects"] else [],
                  invoice_allowed=order_rules.invoice_allowed(ctx.settings, summary["total"]),
                  invoice_minimum=minimum,
                  sandbox=ctx.settings.sandbox, stripe_key=stripe_key(request),
                  coupon=form.get("coupon", coupon_pages.applied_code(quote)))


@router.get("/checkout/{quote_id}")
def checkout(request: Request, quote_id: str, ctx: Ctx, session: ReadSession) -> Response:
    return _checkout(request, ctx, session, quote_id, {},
                     {"card_token": "tok_visa" if ctx.settings.sandbox else ""})


BUYER_CODES = {"INVALID_EMAIL": "email", "INVALID_REQUEST": "email",
               "PAYMENT_METHOD_NOT_ALLOWED": "payment_method", **checkout_tax.TAX_FIELDS}


@router.post("/checkout/{quote_id}")
def checkout_post(request: Request, quote_id: str, ctx: Ctx, session: WriteSession,
                  form: Form) -> Response:
    if form.get("action") == "coupon":  # Apply: the same quote again, with the code
        return _apply_coupon(request, quote_id, ctx, session, form)
    if form.get("action") == "price":  # Show price: the summary for the country chosen
        return _checkout(request, ctx, session, quote_id, {}, form)
    method = "invoice" if form.get("payment_method") == "invoice" else "card"
    buyer = {k: (form.get(k) or "").strip() or None
             for k in ("name", "email", "company", "address", "po_number", "country",
                       "vat_id")}
    missing = "name" if not buyer["name"] else "email" if not buyer["email"] else None
    if missing:
        label = "Your name" if missing == "name" else "Email"
        return _checkout(request, ctx, session, quote_id,
                         {missing: f"{label} is required.", "_field": missing}, form, 422)
    now = now_for(ctx, session)
    try:
        order_id = form.get("order_id", "")
        if order_id:  # a card declined a moment ago: its order is kept, pay it again
            order = orders.get_order(session, order_id)
            if order.quote_id != quote_id:
                raise LicensorError("ORDER_NOT_FOUND", "This order is not of this quote.",
                                    status=404)
            # What is typed now is what the order uses (a corrected Email, Company, Country).
            corrections.correct_buyer(ctx, session, order, buyer, now,
                                      client_address(request))
        else:
            order = orders.create_order(ctx, session, quote_id=quote_id, buyer=buyer,
                                        payment_method=method, license_name=None, now=now,
                                        client_address=client_address(request))
            order_id = order.id
        if method == "card":
            order = orders.pay(ctx, session, order_id, form.get("card_token", "").strip(),
                               now=now)
    except LicensorError as exc:
        field = ("card_token" if exc.code in CARD_CODES else "coupon"
                 if exc.code in coupon_pages.COUPON_CODES else BUYER_CODES.get(exc.code, "_form"))
        again = {**form, "order_id": order_id} if form.get("order_id") or (
            exc.code in CARD_CODES and order_id) else form
        return _checkout(request, ctx, session, quote_id, refusal(exc, field), again,
                         exc.status)
    token = orders.link_token(order) or orders.issue_link(order)
    return redirect(request, f"/orders/{order.id}?token={token}")


def _apply_coupon(request: Request, quote_id: str, ctx: Context, session: Session,
                  form: dict[str, str]) -> Response:
    code = form.get("coupon", "")
    try:
        quote = coupon_pages.requote(ctx, session, quote_id, code, now=now_for(ctx, session))
    except LicensorError as exc:  # the page stays on the quote it showed
        return _checkout(request, ctx, session, quote_id, refusal(exc, "coupon"),
                         {"coupon": code[:80], "card_token": "tok_visa"
                          if ctx.settings.sandbox else ""}, exc.status)
    return redirect(request, f"/checkout/{quote.id}")


# -- quotes and orders as documents -----------------------------------------------------------

@router.get("/payments/return")
def payment_return(request: Request, ctx: Ctx, session: ReadSession,
                   payment_intent: str = Query(default="", max_length=255)) -> Response:
    """Where Stripe sends a customer back after their bank's confirmation (3-D Secure): what
    became of the payment, found by its PaymentIntent (the webhook completes it)."""
    row = session.scalar(select(PaymentAttemptRow).where(
        PaymentAttemptRow.charge_id == payment_intent)) if payment_intent else None
    return render(request, "orders/payment_return.html",
                  outcome=row.status if row is not None else "requires_action")


@router.get("/quotes/{quote_id}.pdf")
def quote_pdf(quote_id: str, ctx: Ctx, session: ReadSession, request: Request) -> Response:
    doc = documents.quote_document(session, ctx.settings, quotes.get_quote(session, quote_id))
    return _pdf(request, documents.document_pdf(doc), f"quote-{doc.number}.pdf")


@router.get("/quotes/{quote_id}")
def quote_page(request: Request, quote_id: str, ctx: Ctx, session: ReadSession) -> Response:
    quote = quotes.get_quote(session, quote_id)
    doc = documents.quote_document(session, ctx.settings, quote)
    return render(request, "orders/quote.html", quote=quote,
                  document=documents.document_html(doc))


def _order_or_404(request: Request, session: Session, order_id: str) -> Any:
    token = request.query_params.get("token", "")
    ctx: Context = request.app.state.ctx
    order = orders.order_by_link(session, order_id, token, ctx.clock.now(session))
    if order is None:
        raise LicensorError("ORDER_NOT_FOUND", "There is no order at this link; use the link "
                            "of the latest mail about your order, exactly as sent.", status=404)
    return order, token


@router.get("/orders/{order_id}/invoice.pdf")
def invoice_pdf(request: Request, order_id: str, ctx: Ctx, session: ReadSession) -> Response:
    order, _ = _order_or_404(request, session, order_id)
    doc = documents.invoice_document(session, ctx.settings, order,
                                     quotes.get_quote(session, order.quote_id))
    return _pdf(request, documents.document_pdf(doc), f"invoice-{order.number}.pdf")


@router.get("/orders/{order_id}/receipt.pdf")
def receipt_pdf(request: Request, order_id: str, ctx: Ctx, session: ReadSession) -> Response:
    order, _ = _order_or_404(request, session, order_id)
    doc = documents.receipt_document(session, ctx.settings, order)
    return _pdf(request, documents.document_pdf(doc), f"receipt-{order.number}.pdf")


@router.get("/orders/{order_id}")
def order_page(request: Request, order_id: str, ctx: Ctx, session: ReadSession) -> Response:
    order, token = _order_or_404(request, session, order_id)
    quote = quotes.get_quote(session, order.quote_id)
    issued = orders.order_licenses(session, order)
    doc = documents.invoice_document(session, ctx.settings, order, quote)
    # An older link (the invoice mail's, once paid) shows the order and its documents; the
    # License Information only at the newest one, mailed with it.
    latest = orders.is_latest_link(order, token)
    return render(request, "orders/order.html", order=order, quote=quote, token=token,
                  licenses=issued if latest else [], latest=latest, product=catalog.get_product(session, order.product),
                  document=documents.document_html(doc),
                  credit_notes=tax_documents.credit_notes_of(session, order.id))


@router.get("/orders/{order_id}/credit-notes/{credit_note_id}.pdf")
def credit_note_pdf(request: Request, order_id: str, credit_note_id: str, ctx: Ctx,
                    session: ReadSession) -> Response:
    order, _ = _order_or_404(request, session, order_id)
    note = tax_documents.get_credit_note(session, credit_note_id)
    if note.order_id != order.id:
        raise LicensorError("CREDIT_NOTE_NOT_FOUND", "There is no such credit note on this "
                            "order; use the link on your order page.", status=404)
    doc = credit_note_document(ctx.settings, note, buyer=order.buyer)
    return _pdf(request, documents.document_pdf(doc), f"credit-note-{note.number}.pdf")


def _pdf(request: Request, data: bytes, filename: str) -> Response:
    return finish(request, Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"'}))
