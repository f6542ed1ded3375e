"""The "renewal" quote kind: one more block of maintenance for a direct server license.

Price = the license's tier at today's list price × the product's renewal_price_ratio (half-
to-even on the minor unit); an academic license's tier is at its academic price. Fulfilment adds one block to the previous end (whenever it is
bought), re-issues the License Key of the same license (the key carries the end; the
previous key validates as SUPERSEDED) and mails it; a refund gives the block back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from licensor.catalog.price_lists import in_currency
from licensor.catalog.rules import seats_text
from licensor.catalog.service import get_product
from licensor.core import mail
from licensor.core.context import Context
from licensor.core.formats import human_date
from licensor.core.web.views import iso
from licensor.licenses import service as licenses
from licensor.licenses.enums import LicenseStatus
from licensor.licenses.service import LicenseRow
from licensor.maintenance import rules
from licensor.maintenance import service as maintenance
from licensor.orders.enums import QuoteKind
from licensor.orders.pricing import policies as pricing_policies
from licensor.orders.quotes.kinds import QuoteDraft, QuoteLine, TaxCustomer, register_quote_kind
from licensor.orders.quotes.service import not_latest
from licensor.orders.service import OrderRow, QuoteRow


class RenewalBody(BaseModel):
    kind: Literal["renewal"]
    license_name: str = Field(max_length=1000)
    license_key: str = Field(max_length=4096)
    coupon: str | None = Field(default=None, max_length=40,
                               description="A discount code (case does not matter)")
    academic: bool | None = Field(default=None, description="Decided by the license; if sent, "
                                  "it must agree with it")
    companion: dict[str, Any] | None = Field(default=None, description="Refused: new only")
    currency: str | None = Field(default=None, max_length=3, description="A currency of the "
                                 "product's price lists; default: its main currency")
    customer: TaxCustomer = None


def _parse(text: Any) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) else None


class Renewal:
    body_model: type[BaseModel] = RenewalBody

    def build(self, ctx: Context, session: Session, body: dict[str, Any],
              now: datetime) -> QuoteDraft:
        # Invalid → INVALID_LICENSE, revoked → LICENSE_REVOKED, an earlier key of this or a
        # replaced license → LICENSE_SUPERSEDED: a renewal needs the current License Key.
        row = licenses.current_license(ctx, session, body["license_name"], body["license_key"])
        product = in_currency(get_product(session, row.product), body.get("currency"))
        months = maintenance.check_renewable(product, row)  # NO_MAINTENANCE, marketplace
        new_end = maintenance.end_after_renewal(product, row)
        pricing_policies.new_licenses_only(body, "renewal")
        priced = pricing_policies.priced_as(product, row, body.get("academic"))
        price = rules.renewal_price(priced, row.seats)
        line = (f"Maintenance renewal, {product.name}, {seats_text(row.seats, product.seat_unit)}"
                f"{pricing_policies.academic_note(row)}: {months} months, until {human_date(new_end)}")
        return QuoteDraft(
            product=product.code, currency=price.currency, seats=row.seats, license_id=row.id,
            license_version=row.version, lines=[QuoteLine(line, price)],
            maintenance_until=new_end,
            details={"months": months, "maintenance_before": iso(row.maintenance_until),
                     "maintenance_after": iso(new_end), **pricing_policies.academic_details(row)})

    def fulfil(self, ctx: Context, session: Session, order: OrderRow, quote: QuoteRow,
               now: datetime) -> LicenseRow:
        # The orders service has locked the row and checked that its version is the quote's.
        row = licenses.get_license(session, quote.license_id or "", for_update=True)
        product = get_product(session, row.product)
        maintenance.renew(ctx, session, row, product, now=now, actor=f"order:{order.number}",
                          order_id=order.id)
        # The orders service mails the buyer; the license's own contact learns it too.
        if row.email.casefold() != order.buyer_email.casefold():
            mail.enqueue_mail(
                session, "notice", to=row.email, now=now,
                subject=f"{product.name} maintenance renewed until "
                        f"{human_date(row.maintenance_until)}",
                paragraphs=[(f"Maintenance was renewed by order {order.number}. Here is the new "
                            "License Information. Users already registered need do nothing: "
                            "the previous key keeps working for them.")],
                license_information=licenses.license_information_text(
                    row, product.name, product.seat_unit or "user"))
        return row

    def refund(self, ctx: Context, session: Session, order: OrderRow, quote: QuoteRow,
               now: datetime) -> None:
        row = licenses.get_license(session, order.license_id or quote.license_id or "",
                                   for_update=True)
        if row.status == LicenseStatus.SUPERSEDED:
            raise not_latest(order, row)  # upgraded since: refund the upgrade first
        if row.status != LicenseStatus.ACTIVE:
            return  # revoked: the money goes back, there is no maintenance left to take
        product = get_product(session, row.product)
        details = quote.details or {}
        maintenance.give_back_renewal(
            ctx, session, row, product, renewed_from=_parse(details.get("maintenance_before")),
            renewed_to=_parse(details.get("maintenance_after")), now=now,
            actor=f"order:{order.number}", order_id=order.id)


register_quote_kind(QuoteKind.RENEWAL, Renewal())
