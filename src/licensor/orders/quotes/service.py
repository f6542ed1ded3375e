"""Quotes (estimates) for perpetual licenses: a new license and an upgrade to more seats.

Both kinds register through `quote_kinds`; a renewal kind is registered by the maintenance
capability. A quote fixes lines, total and currency for LICENSOR_QUOTE_VALIDITY_DAYS (60).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from licensor.catalog.price_lists import in_currency
from licensor.catalog.rules import MAX_SEATS, Product, seats_text
from licensor.catalog.service import get_product
from licensor.core import audit, events
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.licenses import service as licenses
from licensor.licenses.enums import LicenseStatus
from licensor.licenses.registrations import service as registrations
from licensor.licenses.service import LicenseRow
from licensor.orders.coupons import service as coupons
from licensor.orders.enums import QuoteKind
from licensor.orders.models import OrderRow, QuoteRow
from licensor.orders.pricing import policies as pricing_policies
from licensor.orders.quotes.kinds import (
    QuoteDraft,
    QuoteLine,
    TaxCustomer,
    parse_body,
    quote_kind,
    register_quote_kind,
)
from licensor.orders.repository import OrderRepository, QuoteRepository
from licensor.orders.rules import quote_expires_at, upgrade_price
from licensor.tax import service as tax

# -- the refusals shared by every kind ------------------------------------------------------

def marketplace_url_of(product: Product) -> str | None:
    """Where the marketplace prices this product: its pricing page if the catalog has one."""
    pricing_url = product.extra.get("pricing_url")
    return pricing_url if isinstance(pricing_url, str) else product.marketplace_url


def ensure_sold_here(product: Product) -> None:
    """Refuse products this back office does not sell as licenses."""
    if product.model == "marketplace" or "direct" not in product.channels:
        raise LicensorError("SOLD_BY_MARKETPLACE", f"{product.name} is sold and priced by the "
                            "marketplace only; buy it there.",
                            {"product": product.code, "url": marketplace_url_of(product)})
    if not product.is_perpetual or product.pricing is None:
        raise LicensorError("NOT_UPGRADABLE", f"{product.name} is a subscription: it has no "
                            "License Key to buy or upgrade. Subscribe with POST "
                            "/v1/subscriptions, and change plan to get more.",
                            {"product": product.code})


def ensure_multi_user(product: Product, seats: int | None) -> None:
    if product.single_user and seats != 1:
        raise LicensorError("SINGLE_USER_ONLY", f"{product.name} is for exactly one user: "
                            "there is no volume or company-wide purchase and no upgrade to "
                            "more users. Each user buys their own.",
                            {"product": product.code, "seats": seats})


def ensure_direct(product: Product, row: LicenseRow) -> None:
    if row.channel == "marketplace":
        raise LicensorError("UPGRADE_VIA_MARKETPLACE", "This license was bought through the "
                            "marketplace: upgrade and renew it there.",
                            {"license_id": row.id, "url": product.marketplace_url})


# -- kind "new" -----------------------------------------------------------------------------

Seats = int | None


class NewBody(BaseModel):
    kind: Literal["new"]
    product: str = Field(max_length=64)
    seats: Seats = Field(ge=1, le=MAX_SEATS, description="Seats; null for an unlimited tier")
    coupon: str | None = Field(default=None, max_length=40,
                               description="A discount code (case does not matter)")
    academic: bool = Field(default=False, description="Academic prices (server tiers)")
    institution: str | None = Field(default=None, max_length=pricing_policies.MAX_INSTITUTION,
                                    description="The academic institution; required if academic")
    companion: pricing_policies.CompanionBody | None = Field(
        default=None, description="Qualify for the companion price: {license_name, license_key}"
        " of a server license, or {site_id} with the site owner's or staff's bearer token")
    currency: str | None = Field(default=None, max_length=3, description="A currency of the "
                                 "product's price lists; default: its main currency")
    customer: TaxCustomer = None


class UpgradeBody(BaseModel):
    kind: Literal["upgrade"]
    license_name: str = Field(max_length=1000)
    license_key: str = Field(max_length=4096)
    seats: Seats = Field(ge=1, le=MAX_SEATS, description="The new total; null for unlimited")
    product: str | None = Field(default=None, max_length=64)
    coupon: str | None = Field(default=None, max_length=40,
                               description="A discount code (case does not matter)")
    academic: bool | None = Field(default=None, description="Decided by the license; if sent, "
                                  "it must agree with it")
    companion: dict[str, Any] | None = Field(default=None, description="Refused: new only")
    currency: str | None = Field(default=None, max_length=3, description="A currency of the "
                                 "product's price lists; default: its main currency")
    customer: TaxCustomer = None


def buyer_license_name(order: OrderRow) -> str:
    buyer = order.buyer or {}
    return order.license_name or buyer.get("company") or buyer["name"]


class NewLicense:
    body_model = NewBody

    def build(self, ctx: Context, session: Session, body: dict[str, Any],
              now: datetime) -> QuoteDraft:
        product = in_currency(get_product(session, body["product"]), body.get("currency"))
        pricing_policies.check_new_request(product, body)
        ensure_multi_user(product, body["seats"])
        ensure_sold_here(product)
        assert product.pricing is not None
        seats = licenses.check_seats(product, body["seats"])
        offer = pricing_policies.new_license_offer(ctx, session, product, seats, body, now)
        line = f"{product.name}, {seats_text(seats, product.seat_unit)}{offer.note}"
        return QuoteDraft(
            product=product.code, currency=offer.price.currency, seats=seats,
            lines=[QuoteLine(line, offer.price)], details=offer.details,
            maintenance_until=licenses.default_maintenance_end(product, now))

    def fulfil(self, ctx: Context, session: Session, order: OrderRow, quote: QuoteRow,
               now: datetime) -> LicenseRow:
        product = get_product(session, quote.product)
        details = quote.details or {}
        return licenses.issue_license(
            ctx, session, product=product, seats=quote.seats,
            license_name=buyer_license_name(order), email=order.buyer_email, now=now,
            actor=f"order:{order.number}", purchased_at=now,
            academic=bool(details.get("academic")), institution=details.get("institution"))

    def refund(self, ctx: Context, session: Session, order: OrderRow, quote: QuoteRow,
               now: datetime) -> None:
        row = licenses.get_license(session, order.license_id or "", for_update=True)
        if row.status == LicenseStatus.SUPERSEDED:
            raise not_latest(order, row)
        ensure_still_direct(order, row)
        if row.status == LicenseStatus.ACTIVE:
            licenses.revoke(ctx, session, row.id, f"order {order.number} refunded", now=now,
                            actor=f"order:{order.number}")


def ensure_still_direct(order: OrderRow, row: LicenseRow) -> None:
    """A license that moved to the marketplace after this order is the marketplace's now:
    revoking or restoring it here would take a license the customer holds there."""
    if row.channel == "marketplace":
        raise LicensorError("ORDER_NOT_REFUNDABLE", f"The license of order {order.number} has "
                            f"since moved to the Atlassian Marketplace (SEN {row.sen}); it can no "
                            "longer be refunded here. Revoke it explicitly if you must.",
                            {"license_id": row.id, "sen": row.sen})


def not_latest(order: OrderRow, row: LicenseRow) -> LicensorError:
    return LicensorError("ORDER_NOT_REFUNDABLE", f"The license of order {order.number} has "
                         "since been upgraded or renewed; refund that later order first, then "
                         "this one.", {"license_id": row.id, "superseded_by": row.superseded_by})


# -- kind "upgrade" -------------------------------------------------------------------------

class Upgrade:
    body_model = UpgradeBody

    def build(self, ctx: Context, session: Session, body: dict[str, Any],
              now: datetime) -> QuoteDraft:
        if body.get("product"):
            named = get_product(session, body["product"])
            ensure_multi_user(named, body["seats"])
            ensure_sold_here(named)
        row = licenses.current_license(ctx, session, body["license_name"],
                                       body["license_key"], product=body.get("product"))
        return self.build_for(ctx, session, row, body, now)

    def build_for(self, ctx: Context, session: Session, row: LicenseRow, body: dict[str, Any],
                  now: datetime) -> QuoteDraft:
        """The upgrade of `row`, a license whose License Key the caller has verified."""
        product = in_currency(get_product(session, row.product), body.get("currency"))
        ensure_sold_here(product)
        ensure_direct(product, row)
        ensure_multi_user(product, body["seats"])
        pricing_policies.new_licenses_only(body, "upgrade")
        pricing = pricing_policies.priced_as(product, row, body.get("academic")).pricing
        assert pricing is not None
        seats = body["seats"]
        price = upgrade_price(pricing, row.seats, seats, product.seat_unit)
        line = (f"Upgrade {product.name} from {seats_text(row.seats, product.seat_unit)} to "
                f"{seats_text(seats, product.seat_unit)}{pricing_policies.academic_note(row)}")
        return QuoteDraft(
            product=product.code, currency=price.currency, seats=seats, license_id=row.id,
            license_version=row.version, lines=[QuoteLine(line, price)],
            maintenance_until=licenses.default_maintenance_end(product, now),
            details={"from_seats": row.seats, **pricing_policies.academic_details(row)})

    def fulfil(self, ctx: Context, session: Session, order: OrderRow, quote: QuoteRow,
               now: datetime) -> LicenseRow:
        old = licenses.get_license(session, quote.license_id or "", for_update=True)
        product = get_product(session, old.product)
        actor = f"order:{order.number}"
        new = licenses.issue_license(
            ctx, session, product=product, seats=quote.seats, license_name=old.license_name,
            email=old.email, now=now, actor=actor, channel=old.channel, purchased_at=now,
            maintenance_until=licenses.default_maintenance_end(product, now),
            supersedes=old.id, academic=old.academic, institution=old.institution)
        before = licenses.snapshot(old)
        old.status, old.superseded_by = LicenseStatus.SUPERSEDED, new.id
        old.version += 1
        moved = registrations.move_registrations(session, old.id, new.id)
        audit.record(session, actor=actor, action="license.superseded", entity_type="license",
                     entity_id=old.id, before=before,
                     after={**licenses.snapshot(old), "registrations_moved": moved}, now=now)
        # Listeners: marketplace migrations waiting for this upgrade.
        events.emit(ctx, session, now, "license.upgraded", old=old, new=new, order=order)
        return new

    def refund(self, ctx: Context, session: Session, order: OrderRow, quote: QuoteRow,
               now: datetime) -> None:
        new = licenses.get_license(session, order.license_id or "", for_update=True)
        if new.status == LicenseStatus.SUPERSEDED or OrderRepository(
                session).later_fulfilled_for_license(new.id, order.id):
            raise not_latest(order, new)
        ensure_still_direct(order, new)
        old = licenses.get_license(session, quote.license_id or "", for_update=True)
        actor = f"order:{order.number}"
        if new.status == LicenseStatus.ACTIVE:
            licenses.revoke(ctx, session, new.id, f"upgrade order {order.number} refunded",
                            now=now, actor=actor)
        before = licenses.snapshot(old)
        old.status, old.superseded_by = LicenseStatus.ACTIVE, None
        old.version += 1
        # Every user keeps working; newcomers wait until the count is under the old seats.
        moved = registrations.move_registrations(session, new.id, old.id)
        audit.record(session, actor=actor, action="license.restored", entity_type="license",
                     entity_id=old.id, before=before,
                     after={**licenses.snapshot(old), "registrations_moved": moved}, now=now)


register_quote_kind(QuoteKind.NEW, NewLicense())
register_quote_kind(QuoteKind.UPGRADE, Upgrade())


# -- the quotes service ---------------------------------------------------------------------

@dataclass
class PricedQuote:
    """A quote's lines, total and tax, worked out without writing anything: what **Show price**
    shows, and what `create_quote` stores."""

    kind: str
    draft: QuoteDraft
    tax: dict[str, Any]
    coupon: str | None

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [line.to_json() for line in self.draft.lines]

    @property
    def total_amount(self) -> int:
        return tax.total_of(self.tax)

    @property
    def currency(self) -> str:
        return self.draft.currency


def price_quote(ctx: Context, session: Session, body: Any, *, now: datetime,
                verified: LicenseRow | None = None) -> PricedQuote:
    """Price a quote request (refusing what cannot be quoted) without storing it. `verified`:
    the license of an upgrade whose License Key the caller has checked already."""
    if not isinstance(body, dict) or not isinstance(body.get("kind"), str):
        raise LicensorError("INVALID_REQUEST", 'The field \'kind\' is required: "new", '
                            '"upgrade" or "renewal".', {"field": "kind"})
    kind = quote_kind(body["kind"])
    if kind is None:
        raise LicensorError("INVALID_REQUEST", f"Unknown quote kind {body['kind'][:40]!r}; use "
                            '"new", "upgrade" or "renewal".', {"field": "kind"})
    parsed = parse_body(kind, body)
    draft = (kind.build_for(ctx, session, verified, parsed, now)
             if verified is not None and isinstance(kind, Upgrade)
             else kind.build(ctx, session, parsed, now))
    code = coupons.code_of(body)
    if code is not None:  # the discount is a line of its own
        coupons.apply_to_draft(session, draft, code, kind=body["kind"], now=now)
    # Tax comes after every discount: it is on what the buyer pays.
    stored_tax = tax.assess(ctx, session, draft.total, tax.customer_of(body.get("customer"),
                            "customer"), now=now, where="customer", required=False)
    return PricedQuote(body["kind"], draft, stored_tax, code)


def create_quote(ctx: Context, session: Session, body: Any, *, now: datetime,
                 actor: str = "public", verified: LicenseRow | None = None) -> QuoteRow:
    priced = price_quote(ctx, session, body, now=now, verified=verified)
    draft, code = priced.draft, priced.coupon
    row = QuoteRow(
        id="quo_" + uuid.uuid4().hex, kind=priced.kind, product=draft.product,
        lines=priced.lines, total_amount=priced.total_amount, tax=priced.tax,
        currency=draft.currency, license_id=draft.license_id,
        license_version=draft.license_version, seats=draft.seats,
        maintenance_until=draft.maintenance_until, details=draft.details, created_at=now,
        expires_at=quote_expires_at(now, ctx.settings.quote_validity))
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="quote.created", entity_type="quote",
                 entity_id=row.id, before=None,
                 after={"kind": row.kind, "product": row.product, "total": row.total_amount,
                        "currency": row.currency, "license_id": row.license_id,
                        "seats": row.seats,
                        **({"coupon": code} if code is not None else {})}, now=now)
    return row


def get_quote(session: Session, quote_id: str, *, for_update: bool = False) -> QuoteRow:
    row = QuoteRepository(session).get(quote_id, for_update=for_update)
    if row is None:
        raise LicensorError("QUOTE_NOT_FOUND", f"No quote {quote_id[:60]}; create one with "
                            "POST /v1/quotes.", {"quote_id": quote_id[:60]})
    return row
