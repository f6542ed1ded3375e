"""What the buyer typed is what the order uses: an unpaid order kept after a declined card is
paid again with the checkout's fields as they are now, so a corrected Email, an added Company
(the License Name of a new license) or another Country reaches the order, the License
Information mail, the license and lost-key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from licensor.core import audit
from licensor.core.context import Context
from licensor.licenses import service as licenses
from licensor.orders import service as orders
from licensor.orders.enums import OrderStatus
from licensor.orders.models import OrderRow
from licensor.orders.quotes import service as quotes
from licensor.tax import service as tax

# The checkout's buyer fields; an emptied optional one is removed from the order.
FIELDS = ("name", "email", "company", "address", "po_number", "country", "vat_id")


def correct_buyer(ctx: Context, session: Session, order: OrderRow, buyer: dict[str, Any],
                  now: datetime, client_address: str | None) -> None:
    """Make the unpaid order's buyer the one typed now (422 INVALID_EMAIL for a malformed
    address, the tax refusals for a wrong Country or VAT ID); a paid order is left alone."""
    if order.status != OrderStatus.AWAITING_PAYMENT:
        return
    kept = dict(order.buyer or {})
    typed = {**kept, **{k: buyer.get(k) for k in FIELDS}}
    typed = {k: v for k, v in typed.items() if v is not None}
    email = licenses.check_email(str(typed.get("email", "")), "buyer.email")
    if typed == kept and email == order.buyer_email:
        return
    before = {"buyer": kept, "buyer_email": order.buyer_email}
    if (typed.get("country"), typed.get("vat_id")) != (kept.get("country"), kept.get("vat_id")):
        quote = quotes.get_quote(session, order.quote_id)
        typed, stored = orders.taxed_buyer(ctx, session, quote, typed, now, client_address)
        typed = {k: v for k, v in typed.items() if v is not None}
        order.tax, order.total_amount = stored, tax.total_of(stored)
    order.buyer, order.buyer_email = typed, email
    session.flush()
    audit.record(session, actor="public", action="order.buyer_corrected", entity_type="order",
                 entity_id=order.id, before=before,
                 after={"buyer": typed, "buyer_email": email}, now=now)
