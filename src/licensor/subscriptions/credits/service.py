"""A desktop license turned into credit on a myBalsamiq site's subscription.

The owner or billing admin of a site with a paid subscription (active, or canceled but still
in its period) hands in a desktop license's License Information; the subscription's credit
balance grows by the product's site ratio of what was paid for that license (every paid order
of its lineage: 50% of $429.00 is $214.50), and the balance pays the next invoices first, as
any credit does. Once per license (its upgrades included), also against two requests at once;
the license stays valid. The license's side (policy, what was paid, once per license) is
discounts.credits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from licensor.accounts.service import AccountRow
from licensor.catalog.rules import seats_text
from licensor.core import audit, events
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.discounts.credits import service as credits
from licensor.subscriptions.access import (
    mail_owner,
    require_billing,
    site_for,
    snapshot,
)
from licensor.subscriptions.enums import SubscriptionStatus
from licensor.subscriptions.models import SubscriptionRow
from licensor.subscriptions.repository import SubscriptionRepository


@dataclass(frozen=True)
class SiteCredit:
    license_id: str
    credited: Money
    subscription: SubscriptionRow


def ensure_paid(sub: SubscriptionRow, now: datetime) -> None:
    """Credit goes to a paid subscription: active, past due (the credit pays first at the
    next try), or canceled and still in its period (the balance then waits for a restart)."""
    if sub.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE) or (
            sub.status == SubscriptionStatus.CANCELED and now < sub.current_period_end):
        return
    hints: dict[str, str] = {SubscriptionStatus.TRIALING: "subscribe to a plan first (POST "
                                                          "/v1/subscriptions), then ask for the "
                                                          "credit"}
    hint = hints.get(sub.status, "subscribe again with POST /v1/subscriptions, then ask for the "
                                 "credit")
    raise LicensorError("SUBSCRIPTION_NOT_ACTIVE", f"The site's subscription is {sub.status}: "
                        f"credit goes to a paid subscription; {hint}.",
                        {"subscription_id": sub.id, "status": sub.status})


def same_currency(sub: SubscriptionRow, credit: Money) -> None:
    if credit.currency != sub.currency:
        raise LicensorError("CURRENCY_MISMATCH", f"This subscription is billed in "
                            f"{sub.currency} and the license was paid in {credit.currency}; "
                            "contact the vendor's support to have it credited.",
                            {"currency": sub.currency, "license_currency": credit.currency},
                            status=409)


def credit_site(ctx: Context, session: Session, account: AccountRow, site_id: str, *,
                license_name: str, license_key: str, now: datetime) -> SiteCredit:
    site = site_for(session, site_id, account)
    sub = SubscriptionRepository(session).for_site(site.id, for_update=True)
    assert sub is not None
    require_billing(site, sub, account)
    ensure_paid(sub, now)
    row, product = credits.license_to_credit(ctx, session, license_name, license_key)
    credits.site_policy(row, product, site.product)
    root = credits.ensure_unused(session, row)
    amount = credits.site_credit(session, row, product, site.product)
    same_currency(sub, amount)
    actor = f"account:{account.id}"
    credits.record_credit(session, row, root, kind="site", target_id=sub.id, amount=amount,
                          now=now, actor=actor)
    before = snapshot(sub)
    sub.credit_balance += amount.amount
    session.flush()
    audit.record(session, actor=actor, action="subscription.credited",
                 entity_type="subscription", entity_id=sub.id, before=before,
                 after={**snapshot(sub), "credited": amount.amount,
                        "desktop_license_id": row.id}, now=now)
    # subscription.updated(subscription: SubscriptionRow): its credit balance grew
    events.emit(None, session, now, "subscription.updated", subscription=sub)
    balance = Money(sub.credit_balance, sub.currency)
    mail_owner(session, sub, f"{amount.display()} credit on {site.name}", (
        f"The {product.name} license {row.license_name!r} "
        f"({seats_text(row.seats, product.seat_unit)}) was turned into "
        f"{amount.display()} of credit on the site {site.name}.\n\n"
        f"The site's credit balance is now {balance.display()}; it pays the next invoices "
        "before your card is charged. The desktop license keeps working as before."), now)
    return SiteCredit(row.id, amount, sub)
