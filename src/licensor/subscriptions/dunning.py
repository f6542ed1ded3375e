"""Dunning: a declined renewal is not the end of a subscription.

The renewal's charge is declined: the subscription becomes `past_due` from its renewal date
(the site keeps working), the billing admin (else the owner) is mailed with the amount and a
link to the billing page to update the card, and the card is tried again the vendor's
`dunning_days` after that first failure (1, 3, 5 and 7 by default). Each failure mails again;
when the last try fails too the subscription ends (suspended) as any unpaid one does. A paid
try renews it from the original renewal date, so the customer loses no time and gains none.

Only a processor's answer that the card was refused counts as a failure (402, other than a
bank asking the customer to confirm): a processor that could not be reached, or whose answer
was lost, leaves everything as it was, and the job tries again at its next run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from licensor.accounts import service as accounts
from licensor.core import audit, events, mail
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.subscriptions.access import owner_of, snapshot
from licensor.subscriptions.models import SubscriptionRow
from licensor.subscriptions.repository import SiteRepository
from licensor.subscriptions.rules import dunning_retry_at

PAST_DUE = "past_due"


def is_decline(exc: LicensorError) -> bool:
    """The processor answered that the card was refused (nothing was charged)."""
    return exc.status == 402 and exc.code != "PAYMENT_ACTION_REQUIRED"


def declined(session: Session, sub: SubscriptionRow, due: datetime, amount: Money,
             days: tuple[timedelta, ...], at: datetime) -> bool:
    """Record a declined try at `at` of the renewal due at `due`: past due, the event, the
    mail. True when it was the last try (the caller ends the subscription)."""
    before = snapshot(sub)
    if sub.status != PAST_DUE:
        sub.status, sub.past_due_since, sub.failed_payment_attempts = PAST_DUE, due, 0
    assert sub.past_due_since is not None
    sub.failed_payment_attempts += 1
    sub.next_payment_attempt_at = dunning_retry_at(sub.past_due_since, sub.failed_payment_attempts,
                                           days)
    session.flush()
    audit.record(session, actor="job:subscriptions", action="subscription.payment_failed",
                 entity_type="subscription", entity_id=sub.id, before=before,
                 after={**snapshot(sub), "attempts": sub.failed_payment_attempts,
                        "amount": amount.amount}, now=at)
    # subscription.payment_failed(subscription: SubscriptionRow), at every declined try
    events.emit(None, session, at, "subscription.payment_failed", subscription=sub)
    _mail(session, sub, amount, at)
    return sub.next_payment_attempt_at is None


def paid(sub: SubscriptionRow) -> None:
    """The renewal is paid (or the subscription starts again): nothing is past due."""
    sub.past_due_since, sub.next_payment_attempt_at, sub.failed_payment_attempts = None, None, 0


def stopped(sub: SubscriptionRow) -> None:
    """The subscription ended unpaid: no more tries (the failure count stays as its record)."""
    sub.next_payment_attempt_at = None


def _mail(session: Session, sub: SubscriptionRow, amount: Money, at: datetime) -> None:
    """To the site's billing admin, else its owner (a Google Drive subscription's buyer)."""
    to = owner_of(session, sub)
    site = SiteRepository(session).get(sub.site_id) if sub.site_id else None
    if site is not None and site.billing_admin_id:
        to = accounts.get_account(session, site.billing_admin_id) or to
    where = f"/sites/{site.id}/billing" if site is not None else "/sites"
    what = f"your site {site.name}" if site is not None else \
        f"Balsamiq for Google Drive ({sub.google_id})"
    mail.enqueue_mail(session, "payment_failed", to=to.email, now=at, greeting_name=to.name,
                      what=what, amount=amount.display(), path=where,
                      attempts=sub.failed_payment_attempts,
                      next_attempt=sub.next_payment_attempt_at, is_site=site is not None)
