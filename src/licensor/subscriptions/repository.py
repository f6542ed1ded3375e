"""Queries of accounts, sites, projects, subscriptions and their invoices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from licensor.core.repository import month_key, month_of
from licensor.subscriptions import rules
from licensor.subscriptions.enums import ProjectStatus, SubscriptionStatus
from licensor.subscriptions.models import (
    InvoiceRow,
    ProjectRow,
    SiteMemberRow,
    SiteRow,
    SubscriptionRow,
)

LIVE_GOOGLE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE, SubscriptionStatus.CANCELED)


class SiteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, site_id: str, *, for_update: bool = False) -> SiteRow | None:
        return self.session.get(SiteRow, site_id, with_for_update=for_update or None,
                                populate_existing=for_update)

    def member(self, site_id: str, account_id: str) -> SiteMemberRow | None:
        return self.session.get(SiteMemberRow, (site_id, account_id))

    def members(self, site_id: str) -> Sequence[SiteMemberRow]:
        return self.session.scalars(select(SiteMemberRow).where(SiteMemberRow.site_id == site_id)
                                    .order_by(SiteMemberRow.created_at)).all()

    def project(self, site_id: str, project_id: str) -> ProjectRow | None:
        row = self.session.get(ProjectRow, project_id)
        return row if row is not None and row.site_id == site_id else None

    def projects(self, site_id: str) -> Sequence[ProjectRow]:
        return self.session.scalars(select(ProjectRow).where(ProjectRow.site_id == site_id)
                                    .order_by(ProjectRow.created_at, ProjectRow.id)).all()

    def active_projects(self, site_id: str) -> int:
        return self.session.scalar(select(func.count()).select_from(ProjectRow).where(
            ProjectRow.site_id == site_id, ProjectRow.status == ProjectStatus.ACTIVE)) or 0

    def sites_of(self, account_id: str) -> Sequence[SiteRow]:
        """Live sites the account owns or is a member of (the portal's /sites)."""
        members = select(SiteMemberRow.site_id).where(SiteMemberRow.account_id == account_id)
        return self.session.scalars(select(SiteRow).where(
            SiteRow.deleted_at.is_(None),
            or_(SiteRow.owner_id == account_id, SiteRow.id.in_(members)))
            .order_by(SiteRow.created_at, SiteRow.id)).all()


class SubscriptionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def without_site_of(self, account_id: str) -> Sequence[SubscriptionRow]:
        """The account's subscriptions of no site (Balsamiq for Google Drive)."""
        return self.session.scalars(select(SubscriptionRow).where(
            SubscriptionRow.owner_id == account_id, SubscriptionRow.site_id.is_(None))
            .order_by(SubscriptionRow.id)).all()

    def get(self, subscription_id: str, *, for_update: bool = False) -> SubscriptionRow | None:
        return self.session.get(SubscriptionRow, subscription_id,
                                with_for_update=for_update or None, populate_existing=for_update)

    def for_site(self, site_id: str, *, for_update: bool = False) -> SubscriptionRow | None:
        query = select(SubscriptionRow).where(SubscriptionRow.site_id == site_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def live_for_google_id(self, google_id: str) -> SubscriptionRow | None:
        return self.session.scalars(select(SubscriptionRow).where(
            SubscriptionRow.google_id == google_id,
            SubscriptionRow.status.in_(LIVE_GOOGLE))).first()

    def due(self, now: datetime, keep: timedelta) -> Sequence[str]:
        """Ids of subscriptions with something due (rules.falls_due, as a query): a period end,
        a past-due renewal's next try, or the deletion of a site `keep` after its subscription
        ended."""
        return self.session.scalars(select(SubscriptionRow.id).where(or_(
            (SubscriptionRow.status.in_(rules.ACTS_AT_PERIOD_END)
             & (SubscriptionRow.current_period_end <= now)),
            (SubscriptionRow.status == rules.DELETED_AFTER_ENDING)
            & (SubscriptionRow.site_id.is_not(None))
            & (SubscriptionRow.ended_at <= now - keep),
            (SubscriptionRow.status == rules.RETRIED)
            & (SubscriptionRow.next_payment_attempt_at <= now),
        )).order_by(SubscriptionRow.current_period_end, SubscriptionRow.id)).all()

    def search(self, *, status: str | None = None, product: str | None = None,
               limit: int = 50, after_id: str | None = None) -> Sequence[SubscriptionRow]:
        query = select(SubscriptionRow).order_by(SubscriptionRow.id)
        if status:
            query = query.where(SubscriptionRow.status == status)
        if product:
            query = query.where(SubscriptionRow.product == product)
        if after_id:
            query = query.where(SubscriptionRow.id > after_id)
        return self.session.scalars(query.limit(limit)).all()

    def console_search(self, text: str, owner_id: str | None, limit: int) -> Sequence[
            tuple[SubscriptionRow, SiteRow | None]]:
        """The console's search: a site's name (any part) or id, the owner (`owner_id`, the
        account of the email searched), a Google ID or a subscription id; newest first."""
        folded = text.casefold()
        pattern = "%" + folded.replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        query = (select(SubscriptionRow, SiteRow)
                 .outerjoin(SiteRow, SiteRow.id == SubscriptionRow.site_id)
                 .where(or_(func.lower(SiteRow.name).like(pattern, escape="\\"),
                            SiteRow.id == text, SubscriptionRow.id == text,
                            SubscriptionRow.owner_id == owner_id if owner_id else false(),
                            func.lower(SubscriptionRow.google_id) == folded))
                 .order_by(SubscriptionRow.created_at.desc()).limit(limit))
        return [(r[0], r[1]) for r in self.session.execute(query)]

    def invoices(self, subscription_id: str, *, limit: int = 50,
                 after_number: int = 0) -> Sequence[InvoiceRow]:
        return self.session.scalars(
            select(InvoiceRow).where(InvoiceRow.subscription_id == subscription_id,
                                     InvoiceRow.number > after_number)
            .order_by(InvoiceRow.number).limit(limit)).all()

    def customer_of(self, account_id: str) -> str | None:
        """The account's customer at the payment processor, once it has saved a card."""
        return self.session.scalar(select(SubscriptionRow.customer_id).where(
            SubscriptionRow.owner_id == account_id,
            SubscriptionRow.customer_id.is_not(None)).limit(1))

    def last_invoice_number(self, subscription_id: str) -> int:
        return self.session.scalar(select(func.max(InvoiceRow.number)).where(
            InvoiceRow.subscription_id == subscription_id)) or 0


class SubscriptionReadRepository:
    """The dashboard's aggregates of subscriptions and invoices (subscriptions.queries)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def revenue_per_month(self, since: datetime) -> list[tuple[str, str, int]]:
        month = month_of(self.session, InvoiceRow.created_at)
        rows = self.session.execute(
            select(month, InvoiceRow.currency, func.sum(InvoiceRow.amount_paid))
            .where(InvoiceRow.created_at >= since).group_by(month, InvoiceRow.currency))
        return [(month_key(m), str(c), int(t or 0)) for m, c, t in rows]

    def active_totals(self) -> list[tuple[str, str, int, int]]:
        """(currency, interval, count, sum of what a whole period is paid) of active ones."""
        rows = self.session.execute(
            select(SubscriptionRow.currency, SubscriptionRow.interval, func.count(),
                   func.sum(SubscriptionRow.basis_amount))
            .where(SubscriptionRow.status == SubscriptionStatus.ACTIVE)
            .group_by(SubscriptionRow.currency, SubscriptionRow.interval))
        return [(str(c), str(i), int(n), int(t or 0)) for c, i, n, t in rows]
