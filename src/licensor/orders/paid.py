"""What was paid for a license: every fulfilled (not refunded) order of its lineage
(licenses.queries.lineage: the license and those it superseded). An order produced the
license its `license_id` names (a renewal re-issues the same license, so its order names
that license too). A license the vendor issued by hand has no order: nothing was paid for it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.licenses.queries import lineage
from licensor.orders.repository import OrderReadRepository


def paid_for_lineage(session: Session, license_id: str) -> Money | None:
    """The sum of the fulfilled orders' totals of the lineage; None when no order was paid
    (issued by hand, or every order refunded). Orders paid in different currencies (the
    catalog changed currency between a purchase and an upgrade) cannot be added up: 409
    CURRENCY_MISMATCH."""
    rows = OrderReadRepository(session).fulfilled_totals(lineage(session, license_id))
    if not rows:
        return None
    currencies = sorted({currency for _, currency in rows})
    if len(currencies) > 1:
        raise LicensorError("CURRENCY_MISMATCH", "This license was paid in several currencies "
                            f"({', '.join(currencies)}), so its credit cannot be worked out "
                            "here; contact the vendor's support.",
                            {"license_id": license_id, "currencies": currencies}, status=409)
    return Money(sum(amount for amount, _ in rows), currencies[0])

