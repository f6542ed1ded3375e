"""The card a subscription's renewals are charged to: the billing admin (else the owner)
replaces it at any time; an open renewal (past due, or held for a 3-D Secure confirmation the
customer has not given) is then charged to it at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from licensor.accounts.service import AccountRow
from licensor.core import audit
from licensor.core.errors import LicensorError
from licensor.subscriptions import dunning
from licensor.subscriptions.access import require_billing, snapshot, subscription_for
from licensor.subscriptions.billing.service import awaiting_confirmation, saved_card
from licensor.subscriptions.enums import SubscriptionStatus
from licensor.subscriptions.lifecycle import pay_open_renewal
from licensor.subscriptions.models import SubscriptionRow

# A subscription whose renewals are still ahead or open: the only ones a card is for.
CARD_FOR = (SubscriptionStatus.ACTIVE, dunning.PAST_DUE)


def _billable(session: Session, account: AccountRow, subscription_id: str, *,
              for_update: bool = False) -> SubscriptionRow:
    sub, site = subscription_for(session, subscription_id, account, for_update=for_update)
    require_billing(site, sub, account)
    if sub.status not in CARD_FOR:
        hints: dict[str, str] = {
            SubscriptionStatus.TRIALING: "subscribe with POST /v1/subscriptions, which takes the "
                                         "card",
            SubscriptionStatus.CANCELED: "a canceled subscription is not charged again; "
                                         "subscribe again after its period ends"}
        hint = hints.get(sub.status,
                         "subscribe again with POST /v1/subscriptions, which takes the card")
        raise LicensorError("SUBSCRIPTION_NOT_ACTIVE", f"The subscription is {sub.status}; "
                            f"{hint}.", {"status": sub.status})
    return sub


def update_card(ctx: Any, session: Session, account: AccountRow, subscription_id: str,
                card_token: str, now: datetime) -> SubscriptionRow:
    """Save the card for later charges; when past due (or a renewal waits for the bank's
    confirmation), charge the open renewal with it now (402 CARD_DECLINED when declined: the
    card stays saved and the subscription as it was)."""
    sub = _billable(session, account, subscription_id)
    customer = sub.customer_id
    session.commit()  # no transaction open while the processor saves the card
    card = saved_card(ctx, customer, account.email, card_token)
    sub = _billable(session, account, subscription_id, for_update=True)
    before = snapshot(sub)
    sub.customer_id, sub.payment_method_id = card.customer_id, card.payment_method_id
    session.flush()
    audit.record(session, actor=f"account:{account.id}", action="subscription.card_updated",
                 entity_type="subscription", entity_id=sub.id, before=before,
                 after={**snapshot(sub), "payment_method": card.payment_method_id}, now=now)
    if sub.status == dunning.PAST_DUE or awaiting_confirmation(session, sub):
        pay_open_renewal(ctx, session, sub, now)  # commits the saved card before charging it
    return sub
