"""Who may see and bill a site or subscription, and the plan, money and mail helpers every
part of subscriptions shares.

Rights: the owner or the billing admin of a site subscribes, changes plan, cancels and reads
invoices; a Google Drive subscription belongs to the account that bought it. Someone who is not
on a site sees nothing of it (404). A suspended site answers only its owner (403 SITE_SUSPENDED
for everyone else), who may restart the subscription, export or delete the site.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from licensor.accounts import service as accounts
from licensor.accounts.service import AccountRow
from licensor.catalog import service as catalog
from licensor.catalog.rules import Plan, Product
from licensor.core import mail
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.subscriptions.enums import SubscriptionStatus
from licensor.subscriptions.models import (
    SiteRow,
    SubscriptionRow,
)
from licensor.subscriptions.repository import SiteRepository, SubscriptionRepository

# A renewal whose payment the bank holds for the owner's confirmation keeps the subscription
# active this long after its due time; unconfirmed, it then ends as a failed payment.
ACTION_GRACE = timedelta(days=7)


INTERVAL_WORD = {"month": "monthly", "year": "yearly"}


def site_not_found(site_id: str) -> LicensorError:
    return LicensorError("SITE_NOT_FOUND", "There is no such site among yours; check the id, "
                         "or ask the site's owner to add you.", {"site_id": site_id})


def is_on_site(session: Session, site: SiteRow, account: AccountRow) -> bool:
    return site.owner_id == account.id or SiteRepository(session).member(
        site.id, account.id) is not None


def site_for(session: Session, site_id: str, account: AccountRow, *,
             for_update: bool = False) -> SiteRow:
    """The site if the account is on it; 404 otherwise, 403 SITE_SUSPENDED unless owner."""
    site = SiteRepository(session).get(site_id, for_update=for_update)
    if site is None or site.deleted_at is not None or not is_on_site(session, site, account):
        raise site_not_found(site_id)
    if site.owner_id != account.id:
        sub = SubscriptionRepository(session).for_site(site.id)
        if sub is not None and sub.status == SubscriptionStatus.SUSPENDED:
            raise LicensorError("SITE_SUSPENDED", "This site is suspended because its "
                                "subscription ended; only its owner can sign in to restart it.",
                                {"site_id": site.id})
    return site


def require_owner(site: SiteRow, account: AccountRow) -> None:
    if site.owner_id != account.id:
        raise LicensorError("NOT_SITE_OWNER", "Only the site's owner can do this; ask them.",
                            {"site_id": site.id})


def can_bill(site: SiteRow | None, sub: SubscriptionRow, account: AccountRow) -> bool:
    if site is None:
        return sub.owner_id == account.id
    return account.id in (site.owner_id, site.billing_admin_id)


def require_billing(site: SiteRow | None, sub: SubscriptionRow, account: AccountRow) -> None:
    if not can_bill(site, sub, account):
        raise LicensorError("NOT_BILLING_ADMIN", "Only the site's owner or its billing admin "
                            "can manage the subscription and see invoices; ask the owner.",
                            {"subscription_id": sub.id})


def subscription_for(session: Session, subscription_id: str, account: AccountRow, *,
                     for_update: bool = False) -> tuple[SubscriptionRow, SiteRow | None]:
    sub = SubscriptionRepository(session).get(subscription_id, for_update=for_update)
    missing = LicensorError("SUBSCRIPTION_NOT_FOUND", "There is no such subscription among "
                            "yours; check the id.", {"subscription_id": subscription_id})
    if sub is None:
        raise missing
    if sub.site_id is None:
        if sub.owner_id != account.id:
            raise missing
        return sub, None
    site = SiteRepository(session).get(sub.site_id)
    assert site is not None
    if site.deleted_at is not None and site.owner_id == account.id:
        return sub, site  # the owner keeps the record (and invoices) of a deleted site
    try:
        return sub, site_for(session, site.id, account)
    except LicensorError as exc:
        if exc.code == "SITE_NOT_FOUND":
            raise missing from None
        raise


def not_while_suspended(session: Session, site: SiteRow) -> None:
    sub = SubscriptionRepository(session).for_site(site.id)
    if sub is not None and sub.status == SubscriptionStatus.SUSPENDED:
        raise LicensorError("SITE_SUSPENDED", "The site is suspended: restart its subscription "
                            "with POST /v1/subscriptions first (or export or delete it).",
                            {"site_id": site.id})


def plan_of(product: Product, code: str) -> Plan:
    plan = product.plan(code)
    if plan is None:
        codes = [p.code for p in product.plans or ()]
        raise LicensorError("UNKNOWN_PLAN", f"{product.name} has no plan {code!r}; choose one "
                            f"of {', '.join(codes)}.", {"plan": code, "plans": codes})
    return plan


def plan_label(product: Product, plan: Plan, interval: str) -> str:
    return f"{product.name} {plan.name} ({INTERVAL_WORD[interval]})"


def project_limit(session: Session, sub: SubscriptionRow) -> int:
    """Active projects allowed: the plan's limit; during the trial the largest plan's."""
    product = catalog.get_product(session, sub.product)
    if sub.plan is not None and sub.status != SubscriptionStatus.TRIALING:
        plan = product.plan(sub.plan)
        if plan is not None:
            return plan.limit
    return max((p.limit for p in product.plans or ()), default=0)


def check_fits(session: Session, site: SiteRow, plan: Plan) -> None:
    active = SiteRepository(session).active_projects(site.id)
    if active > plan.limit:
        raise LicensorError("PLAN_TOO_SMALL", f"The {plan.name} plan allows {plan.limit} active "
                            f"projects and the site has {active}; archive "
                            f"{active - plan.limit} first, or choose a larger plan.",
                            {"plan": plan.code, "limit": plan.limit, "active_projects": active})


def money(amount: int, currency: str) -> Money:
    return Money(amount, currency)


def same_currency(sub: SubscriptionRow, plan: Plan, price: Money) -> None:
    """Credit and basis are in the subscription's currency; a plan the vendor has since priced
    in another currency cannot be prorated against them."""
    if price.currency != sub.currency:
        raise LicensorError("CURRENCY_MISMATCH", f"This subscription is billed in "
                            f"{sub.currency} and the {plan.name} plan is now priced in "
                            f"{price.currency}; contact the vendor to move the subscription.",
                            {"currency": sub.currency, "plan_currency": price.currency},
                            status=409)


def owner_of(session: Session, sub: SubscriptionRow) -> AccountRow:
    owner = accounts.get_account(session, sub.owner_id)
    assert owner is not None
    return owner


def snapshot(sub: SubscriptionRow) -> dict[str, Any]:
    return {"status": sub.status, "plan": sub.plan, "interval": sub.interval,
            "current_period_start": sub.current_period_start.isoformat(),
            "current_period_end": sub.current_period_end.isoformat(),
            "cancel_at_period_end": sub.cancel_at_period_end, "basis": sub.basis_amount,
            "credit_balance": sub.credit_balance}


def mail_owner(session: Session, sub: SubscriptionRow, subject: str, body: str,
                now: datetime, links: Sequence[tuple[str, str]] = ()) -> None:
    """A notice to the subscription's owner; a site's names the site in its subject (an owner
    may have several). `links`: (label, path on the portal) lines at the end."""
    owner = owner_of(session, sub)
    site = SiteRepository(session).get(sub.site_id) if sub.site_id else None
    if site is not None and site.name not in subject:
        subject = f"{subject}: {site.name}"
    mail.enqueue_mail(session, "notice", to=owner.email, now=now, subject=subject,
                      greeting_name=owner.name, paragraphs=body.strip().split("\n\n"),
                      links=list(links))
