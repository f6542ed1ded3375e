"""What was paid for a license: every fulfilled (not refunded) order of its lineage.

A license's lineage is the license, the license it superseded (an upgrade issues a new one
that supersedes the old), and so on back to the first one. An order produced the license its
`license_id` names (a renewal re-issues the same license, so its order names that license too).
A license the vendor issued by hand has no order: nothing was paid for it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.discounts.models import LicenseCreditRow
from licensor.licenses.models import LicenseRow
from licensor.orders.enums import OrderStatus
from licensor.orders.models import OrderRow

# More links than any real history has: a loop in the data is not followed forever.
MAX_LINEAGE = 1000


def lineage(session: Session, license_id: str) -> list[str]:
    """The ids of the license and of every license it superseded, newest first."""
    ids = [license_id]
    current: str | None = license_id
    while len(ids) < MAX_LINEAGE:
        current = session.scalar(select(LicenseRow.supersedes).where(LicenseRow.id == current))
        if current is None or current in ids:
            break
        ids.append(current)
    return ids


def lineage_root(session: Session, license_id: str) -> str:
    """The first license of the lineage: what "once per license" is counted on, so an upgrade
    (a new license superseding the old) is the same license for it."""
    return lineage(session, license_id)[-1]


def paid_for_lineage(session: Session, license_id: str) -> Money | None:
    """The sum of the fulfilled orders' totals of the lineage; None when no order was paid
    (issued by hand, or every order refunded). Orders paid in different currencies (the
    catalog changed currency between a purchase and an upgrade) cannot be added up: 409
    CURRENCY_MISMATCH."""
    rows = session.execute(
        select(OrderRow.total_amount, OrderRow.currency)
        .where(OrderRow.license_id.in_(lineage(session, license_id)),
               OrderRow.status == OrderStatus.FULFILLED)).all()
    if not rows:
        return None
    currencies = sorted({currency for _, currency in rows})
    if len(currencies) > 1:
        raise LicensorError("CURRENCY_MISMATCH", "This license was paid in several currencies "
                            f"({', '.join(currencies)}), so its credit cannot be worked out "
                            "here; contact the vendor's support.",
                            {"license_id": license_id, "currencies": currencies}, status=409)
    return Money(sum(amount for amount, _ in rows), currencies[0])


def credit_of(session: Session, license_id: str) -> LicenseCreditRow | None:
    """The credit (on a site, or a plugin coupon) this license's lineage was turned into."""
    return session.scalars(select(LicenseCreditRow).where(
        LicenseCreditRow.lineage_root == lineage_root(session, license_id))).first()
