"""Where a signed-in customer stands on a site, for prices offered to a site's people (the
companion price of a desktop license: the orders capability asks; the composition in
licensor/capabilities.py hands it `standing`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from licensor.accounts import service as accounts
from licensor.subscriptions.enums import SubscriptionStatus
from licensor.subscriptions.repository import SiteRepository, SubscriptionRepository

# A site in its trial or paid for (a canceled subscription runs to its period's end; a past
# due one keeps working while its card is tried again).
LIVE = (SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.CANCELED)


@dataclass(frozen=True)
class SiteStanding:
    site_id: str
    product: str
    role: str | None  # "owner", "staff", "member" (of projects), or None: not on the site
    live: bool  # in trial or paid; False when suspended, ended or deleted


def standing(session: Session, token: str, site_id: str, now: datetime) -> SiteStanding | None:
    """The standing of the bearer of `token` on the site, or None when there is no such site.
    401 UNAUTHENTICATED when the token is not a live session."""
    _token, account = accounts.authenticate(session, token, now)
    site = SiteRepository(session).get(site_id)
    if site is None:
        return None
    role: str | None = None
    if site.owner_id == account.id:
        role = "owner"
    else:
        member = SiteRepository(session).member(site.id, account.id)
        role = member.role if member is not None else None
    sub = SubscriptionRepository(session).for_site(site.id)
    live = site.deleted_at is None and sub is not None and sub.status in LIVE
    return SiteStanding(site.id, site.product, role, live)
