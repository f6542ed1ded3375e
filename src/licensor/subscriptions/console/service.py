"""What the admin console reads of subscriptions: a search, and a subscription with its site,
owner, invoices, plan changes and credit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from licensor.accounts import service as accounts
from licensor.accounts.service import AccountRow
from licensor.core import audit
from licensor.core.errors import LicensorError
from licensor.core.models import AuditRow
from licensor.subscriptions.models import InvoiceRow, SiteRow, SubscriptionRow
from licensor.subscriptions.repository import SiteRepository, SubscriptionRepository

RESULTS = 100


def search(session: Session, text: str) -> Sequence[tuple[SubscriptionRow, SiteRow | None,
                                                          AccountRow]]:
    text = text.strip()[:320]
    if not text:
        return []
    owner = accounts.account_by_email(session, text)
    found = SubscriptionRepository(session).console_search(text, owner.id if owner else None,
                                                           RESULTS)
    owners = accounts.accounts_by_ids(session, {sub.owner_id for sub, _site in found})
    return [(sub, site, owners[sub.owner_id]) for sub, site in found if sub.owner_id in owners]


@dataclass
class SubscriptionDossier:
    sub: SubscriptionRow
    site: SiteRow | None
    owner: AccountRow | None
    invoices: Sequence[InvoiceRow]
    changes: list[InvoiceRow]  # the plan changes, each with its invoice
    audit: list[AuditRow]


def dossier(session: Session, subscription_id: str) -> SubscriptionDossier:
    """404 SUBSCRIPTION_NOT_FOUND for an unknown id."""
    repo = SubscriptionRepository(session)
    sub = repo.get(subscription_id)
    if sub is None:
        raise LicensorError("SUBSCRIPTION_NOT_FOUND", f"No subscription {subscription_id[:60]}; "
                            "search for it by site, owner or Google ID.",
                            {"subscription_id": subscription_id[:60]})
    invoices = repo.invoices(sub.id, limit=500)
    site = SiteRepository(session).get(sub.site_id) if sub.site_id else None
    return SubscriptionDossier(
        sub=sub, site=site, owner=accounts.get_account(session, sub.owner_id),
        invoices=invoices, changes=[i for i in invoices if i.reason == "plan_change"],
        audit=audit.entries_for(session, sub.id))
