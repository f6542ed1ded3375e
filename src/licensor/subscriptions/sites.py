"""Sites, their members and projects; deleting and exporting a site."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from licensor.accounts import service as accounts
from licensor.accounts.service import AccountRow
from licensor.catalog import service as catalog
from licensor.core import audit, events
from licensor.core.errors import LicensorError
from licensor.core.formats import human_date
from licensor.subscriptions.access import (
    mail_owner,
    not_while_suspended,
    project_limit,
    require_owner,
    site_for,
    snapshot,
)
from licensor.subscriptions.enums import ProjectStatus, SubscriptionStatus
from licensor.subscriptions.models import (
    ProjectRow,
    SiteMemberRow,
    SiteRow,
    SubscriptionRow,
)
from licensor.subscriptions.repository import SiteRepository, SubscriptionRepository


def create_site(session: Session, account: AccountRow, *, name: str, product_code: str,
                now: datetime) -> tuple[SiteRow, SubscriptionRow]:
    product = catalog.get_product(session, product_code)
    if product.model != "subscription" or not product.plans or product.single_user:
        raise LicensorError("INVALID_REQUEST", f"{product.name} has no sites; sites are for "
                            "multi-user subscription products such as mybalsamiq.",
                            {"field": "product"}, status=422)
    name = " ".join(name.split())  # what people read: no blank name, no stray spaces
    if not name:
        raise LicensorError("SITE_NAME_REQUIRED", "Give the site a name (for example your "
                            "team's or company's): its members and its mails are about it.",
                            {"field": "name"})
    site = SiteRow(id=str(uuid.uuid4()), name=name, product=product.code,
                   owner_id=account.id, billing_admin_id=None, created_at=now)
    session.add(site)
    session.flush()
    trial_end = now + timedelta(days=product.trial_days)
    sub = SubscriptionRow(id=str(uuid.uuid4()), product=product.code, owner_id=account.id,
                          site_id=site.id, google_id=None, plan=None, interval=None,
                          status=SubscriptionStatus.TRIALING, anchor=now, period_index=0,
                          current_period_start=now, current_period_end=trial_end,
                          cancel_at_period_end=False,
                          currency=product.plans[0].monthly_price.currency, basis_amount=0,
                          credit_balance=0, created_at=now)
    session.add(sub)
    session.flush()
    audit.record(session, actor=f"account:{account.id}", action="site.created",
                 entity_type="site", entity_id=site.id, before=None,
                 after={"name": site.name, "product": site.product, "trial_end":
                        trial_end.isoformat()}, now=now)
    # subscription.created(subscription: SubscriptionRow): a site's starts as a trial
    events.emit(None, session, now, "subscription.created", subscription=sub)
    return site, sub


def add_member(session: Session, account: AccountRow, site_id: str, *, email: str, role: str,
               now: datetime) -> tuple[SiteMemberRow, AccountRow, bool]:
    """Add (or change the role of) a member; returns (member, their account, created)."""
    site = site_for(session, site_id, account, for_update=True)
    require_owner(site, account)
    not_while_suspended(session, site)
    person = accounts.account_by_email(session, email)
    if person is None:
        raise LicensorError("ACCOUNT_NOT_FOUND", "There is no account with this email; ask "
                            "them to sign up first (POST /v1/accounts), then add them.",
                            {"email": email})
    if person.id == site.owner_id:
        raise LicensorError("INVALID_REQUEST", "This is the site's owner, who already has "
                            "every right on it.", {"field": "email"}, status=422)
    repo = SiteRepository(session)
    member = repo.member(site.id, person.id)
    before = None if member is None else {"role": member.role}
    created = member is None
    if member is None:
        member = SiteMemberRow(site_id=site.id, account_id=person.id, role=role, created_at=now)
        session.add(member)
    else:
        member.role = role
    if role != "staff" and site.billing_admin_id == person.id:
        site.billing_admin_id = None  # a billing admin must be staff
    session.flush()
    audit.record(session, actor=f"account:{account.id}", action="site.member_set",
                 entity_type="site", entity_id=site.id, before=before,
                 after={"account_id": person.id, "role": role}, now=now)
    return member, person, created


def set_billing_admin(session: Session, account: AccountRow, site_id: str,
                      billing_admin_id: str | None, now: datetime) -> SiteRow:
    site = site_for(session, site_id, account, for_update=True)
    require_owner(site, account)
    not_while_suspended(session, site)
    if billing_admin_id is not None:
        member = SiteRepository(session).member(site.id, billing_admin_id)
        if member is None or member.role != "staff":
            raise LicensorError("NOT_STAFF", "The billing admin must be one of the site's "
                                "staff; add them as staff first (POST /v1/sites/{id}/members).",
                                {"account_id": billing_admin_id})
    before = site.billing_admin_id
    site.billing_admin_id = billing_admin_id
    session.flush()
    audit.record(session, actor=f"account:{account.id}", action="site.billing_admin_set",
                 entity_type="site", entity_id=site.id, before={"billing_admin_id": before},
                 after={"billing_admin_id": billing_admin_id}, now=now)
    return site


def _check_room(session: Session, site: SiteRow) -> None:
    sub = SubscriptionRepository(session).for_site(site.id)
    assert sub is not None
    limit = project_limit(session, sub)
    active = SiteRepository(session).active_projects(site.id)
    if active >= limit:
        raise LicensorError("PLAN_LIMIT_REACHED", f"The plan allows {limit} active projects and "
                            "all are in use; archive a project or change to a larger plan.",
                            {"limit": limit, "active_projects": active})


def create_project(session: Session, account: AccountRow, site_id: str, *, name: str,
                   now: datetime) -> ProjectRow:
    site = site_for(session, site_id, account, for_update=True)
    not_while_suspended(session, site)
    _check_room(session, site)
    row = ProjectRow(id=str(uuid.uuid4()), site_id=site.id, name=name.strip(),
                     status=ProjectStatus.ACTIVE, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=f"account:{account.id}", action="project.created",
                 entity_type="project", entity_id=row.id, before=None,
                 after={"site_id": site.id, "name": row.name}, now=now)
    return row


def set_project_status(session: Session, account: AccountRow, site_id: str, project_id: str,
                       *, status: str, now: datetime) -> ProjectRow:
    """Archive or un-archive; un-archiving needs room in the plan like a new project."""
    site = site_for(session, site_id, account, for_update=True)
    not_while_suspended(session, site)
    row = SiteRepository(session).project(site.id, project_id)
    if row is None:
        raise LicensorError("PROJECT_NOT_FOUND", "There is no such project on this site.",
                            {"project_id": project_id})
    if row.status == status:
        return row
    if status == ProjectStatus.ACTIVE:
        _check_room(session, site)
    before, row.status = row.status, status
    session.flush()
    audit.record(session, actor=f"account:{account.id}", action=f"project.{status}",
                 entity_type="project", entity_id=row.id, before={"status": before},
                 after={"status": status}, now=now)
    return row


def delete_site(session: Session, account: AccountRow, site_id: str, now: datetime) -> SiteRow:
    """The owner deletes the site at once: no further charges, no refund of the period."""
    site = site_for(session, site_id, account, for_update=True)
    require_owner(site, account)
    sub = SubscriptionRepository(session).for_site(site.id, for_update=True)
    assert sub is not None
    remove_site(session, site, sub, now, actor=f"account:{account.id}")
    return site


def remove_site(session: Session, site: SiteRow, sub: SubscriptionRow, at: datetime, *,
            actor: str) -> None:
    before = snapshot(sub)
    repo = SiteRepository(session)
    for project in repo.projects(site.id):
        session.delete(project)
    for member in repo.members(site.id):
        session.delete(member)
    site.deleted_at, site.billing_admin_id = at, None
    sub.status, sub.cancel_at_period_end = SubscriptionStatus.DELETED, False
    sub.ended_at = sub.ended_at or at
    session.flush()
    audit.record(session, actor=actor, action="site.deleted", entity_type="site",
                 entity_id=site.id, before=before, after=snapshot(sub), now=at)
    # subscription.deleted(subscription: SubscriptionRow)
    events.emit(None, session, at, "subscription.deleted", subscription=sub)
    mail_owner(session, sub, f"Your site {site.name} was deleted",
                f"The site {site.name} and its projects were deleted on {human_date(at)}.", at)


def export_site(session: Session, account: AccountRow, site_id: str) -> dict[str, Any]:
    site = site_for(session, site_id, account)
    require_owner(site, account)
    repo = SiteRepository(session)
    return {"site": site, "members": repo.members(site.id), "projects": repo.projects(site.id)}
