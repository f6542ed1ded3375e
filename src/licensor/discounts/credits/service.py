"""Desktop licenses turned into credit: toward a myBalsamiq site's subscription (the site's
side is subscriptions.credits) or, issued by staff, as a single-use coupon for server plugins.

The product's catalog policy (`Product.credits`) says how much and toward what:
`site_ratio` of what was paid for the license (every paid order of its lineage), or
`plugin_ratio` of the license's value at today's prices. Either way a license gives credit
once: the first license of its lineage is recorded in `license_credits`, whose unique
`lineage_root` also settles two requests at once (the second gets 409 CREDIT_ALREADY_USED).
The license itself stays valid.

What a license's orders paid, and its value at today's prices, are orders' to say; orders
builds on discounts (coupons on its quotes), so it registers both here (`use_orders`, called
in capabilities.py) instead of discounts importing orders.
"""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from licensor.catalog import service as catalog
from licensor.catalog.policies import CreditPolicy
from licensor.catalog.rules import Pricing, Product, seats_text
from licensor.core import audit
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.discounts import service as discounts
from licensor.discounts.models import CouponRow, LicenseCreditRow
from licensor.discounts.service import CouponTerms
from licensor.licenses import service as licenses
from licensor.licenses.queries import lineage_root
from licensor.licenses.service import LicenseRow

CODE_PREFIX = "DESKTOP-"
CODE_ALPHABET = string.ascii_uppercase
CODE_TRIES = 5  # a drawn code already taken is drawn again (26^8 codes: practically never)

PaidFor = Callable[[Session, str], Money | None]  # what the orders of a license's lineage paid
ValueToday = Callable[[Pricing, int | None], Money]  # a license's list price today
_paid_for: list[PaidFor] = []
_value_today: list[ValueToday] = []


def use_orders(paid_for_lineage: PaidFor, current_value: ValueToday) -> None:
    _paid_for[:] = [paid_for_lineage]
    _value_today[:] = [current_value]


def _orders_registered() -> None:
    if not _paid_for or not _value_today:
        raise RuntimeError("discounts.credits.use_orders was not called: importing "
                           "licensor.capabilities registers orders here")


def _paid_for_lineage(session: Session, license_id: str) -> Money | None:
    _orders_registered()
    return _paid_for[0](session, license_id)


def _current_value(pricing: Pricing, seats: int | None) -> Money:
    _orders_registered()
    return _value_today[0](pricing, seats)


def license_to_credit(ctx: Context, session: Session, license_name: str,
                      license_key: str) -> tuple[LicenseRow, Product]:
    """The license of this License Information and its product: 422 INVALID_LICENSE, 409
    LICENSE_REVOKED, 409 LICENSE_SUPERSEDED (the newest License Key stands for it)."""
    row = licenses.current_license(ctx, session, license_name, license_key, for_update=True)
    return row, catalog.get_product(session, row.product)


def nothing_to_credit(message: str, row: LicenseRow, **details: object) -> LicensorError:
    return LicensorError("NOTHING_TO_CREDIT", message,
                         {"license_id": row.id, "product": row.product, **details})


def credit_used(row: LicenseRow, used: LicenseCreditRow | None = None) -> LicensorError:
    where = {"site": "a myBalsamiq site's subscription",
             "plugin_coupon": "a coupon for server plugins"}.get(used.kind if used else "", "")
    return LicensorError("CREDIT_ALREADY_USED", "This license has already been turned into "
                         f"credit{' toward ' + where if where else ''}; a license gives credit "
                         "once (its upgrades included).",
                         {"license_id": row.id, "kind": used.kind if used else None})


def ensure_unused(session: Session, row: LicenseRow) -> str:
    """The lineage root of the license, if no license of its lineage gave credit yet."""
    root = lineage_root(session, row.id)
    used = discounts.credit_of_lineage(session, root)
    if used is not None:
        raise credit_used(row, used)
    return root


def site_policy(row: LicenseRow, product: Product, site_product: str) -> CreditPolicy:
    policy = product.credits
    if policy is None or not policy.site_ratio or site_product not in policy.site_products:
        raise nothing_to_credit(f"{product.name} licenses give no credit toward a "
                                f"{site_product} site; only a license of a product whose "
                                "credit policy names this site's product does.", row,
                                site_product=site_product)
    return policy


def site_credit(session: Session, row: LicenseRow, product: Product,
                site_product: str) -> Money:
    """What a site of `site_product` is credited for the license: the policy's site ratio of
    what was paid for it (409 NOTHING_TO_CREDIT for a license nobody paid for)."""
    policy = site_policy(row, product, site_product)
    paid = _paid_for_lineage(session, row.id)
    if paid is None or paid.amount <= 0:
        raise nothing_to_credit("Nothing was paid for this license (it was issued free, or "
                                "its orders were refunded), so it gives no credit.", row)
    credit = policy.site_credit(paid)
    if credit.amount <= 0:
        raise nothing_to_credit("What was paid for this license is too little to give any "
                                "credit.", row, paid=paid.to_json())
    return credit


def record_credit(session: Session, row: LicenseRow, root: str, *, kind: str, target_id: str,
                  amount: Money, now: datetime, actor: str) -> LicenseCreditRow:
    """Count the license as credited (kind "site" or "plugin_coupon") and note it in the
    license's history; a twin request that got there first makes this one 409
    CREDIT_ALREADY_USED (its transaction rolls back)."""
    credit = LicenseCreditRow(id="lcr_" + uuid.uuid4().hex, lineage_root=root,
                              license_id=row.id, kind=kind, target_id=target_id,
                              amount=amount.amount, currency=amount.currency, created_at=now)
    try:
        with session.begin_nested():
            session.add(credit)
    except IntegrityError:
        raise credit_used(row) from None
    audit.record(session, actor=actor, action="license.credited", entity_type="license",
                 entity_id=row.id, before=None,
                 after={"kind": kind, "target_id": target_id, "amount": amount.amount,
                        "currency": amount.currency, "lineage_root": root}, now=now)
    return credit


# -- desktop -> plugin coupon (staff) --------------------------------------------------------

def plugin_credit(row: LicenseRow, product: Product) -> tuple[CreditPolicy, Money]:
    """The coupon's amount: the policy's plugin ratio of the license's value at today's list
    prices (5 desktop users: 429.00 today, so 214.50)."""
    policy = product.credits
    if policy is None or not policy.plugin_ratio or not policy.plugin_products:
        raise nothing_to_credit(f"{product.name} licenses cannot be turned into a plugin "
                                "coupon: the product has no plugin credit policy.", row)
    if product.pricing is None:
        raise nothing_to_credit(f"{product.name} has no price today to value the license "
                                "at.", row)
    amount = policy.plugin_credit(_current_value(product.pricing, row.seats))
    if amount.amount <= 0:
        raise nothing_to_credit("This license is worth nothing at today's prices, so it "
                                "gives no coupon.", row)
    return policy, amount


def new_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def desktop_to_plugin(ctx: Context, session: Session, license_name: str, license_key: str, *,
                      now: datetime, actor: str) -> CouponRow:
    """A single-use coupon worth the plugin ratio of the license's value today, for the
    policy's plugin products only; once per license (shared with the site credit)."""
    row, product = license_to_credit(ctx, session, license_name, license_key)
    policy, amount = plugin_credit(row, product)
    root = ensure_unused(session, row)
    terms = CouponTerms(
        code=new_code(), amount_off=amount, products=list(policy.plugin_products),
        duration="once", max_redemptions=1,
        name=f"Credit for {product.name} license {row.license_name!r} "
             f"({seats_text(row.seats, product.seat_unit)}, {row.id})")
    for attempt in range(CODE_TRIES):
        try:
            coupon = discounts.create_coupon(session, terms, now=now, actor=actor,
                                             source={"desktop_license_id": row.id})
            break
        except LicensorError as exc:
            if exc.code != "COUPON_EXISTS" or attempt == CODE_TRIES - 1:
                raise
            terms = replace(terms, code=new_code())
    record_credit(session, row, root, kind="plugin_coupon", target_id=coupon.id,
                  amount=amount, now=now, actor=actor)
    return coupon
