"""Members of a site the owner invites and removes from the members page. Someone with an
account joins at once (sites.add_member); someone without one is mailed an invitation to sign
up and joins when an account with that email is made (the `account.created` event)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from licensor.accounts import service as accounts
from licensor.accounts.service import AccountRow
from licensor.core import audit, events, mail
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.subscriptions.access import not_while_suspended, require_owner, site_for
from licensor.subscriptions.models import SiteInvitationRow, SiteMemberRow, SiteRow
from licensor.subscriptions.sites import add_member


def pending(session: Session, site_id: str) -> Sequence[SiteInvitationRow]:
    return session.scalars(select(SiteInvitationRow).where(
        SiteInvitationRow.site_id == site_id, SiteInvitationRow.accepted_at.is_(None))
        .order_by(SiteInvitationRow.created_at, SiteInvitationRow.id)).all()


def invite(session: Session, account: AccountRow, site_id: str, *, email: str, role: str,
           now: datetime) -> bool:
    """Add the person with `email` as `role`, or (no account yet) mail them an invitation to
    sign up; True when an invitation was mailed. Inviting again renews the role and the mail."""
    if accounts.account_by_email(session, email) is not None:
        add_member(session, account, site_id, email=email, role=role, now=now)
        return False
    site = site_for(session, site_id, account, for_update=True)
    require_owner(site, account)
    not_while_suspended(session, site)
    row = next((i for i in pending(session, site.id) if i.email_key == email.casefold()), None)
    if row is None:
        row = SiteInvitationRow(id=str(uuid.uuid4()), site_id=site.id, email=email,
                                email_key=email.casefold(), role=role, invited_by=account.id,
                                created_at=now)
        session.add(row)
    row.role = role
    session.flush()
    mail.enqueue_mail(session, "site_invitation", to=email, now=now, site_name=site.name,
                      inviter=account.name, role=role, email=email)
    audit.record(session, actor=f"account:{account.id}", action="site.member_invited",
                 entity_type="site", entity_id=site.id, before=None,
                 after={"email": email, "role": role}, now=now)
    return True


def remove(session: Session, account: AccountRow, site_id: str, *, member_id: str,
           now: datetime) -> None:
    """Take a member (an account id) or a pending invitation (its id) off the site; owner only.
    404 MEMBER_NOT_FOUND when neither is on it."""
    site = site_for(session, site_id, account, for_update=True)
    require_owner(site, account)
    member = session.get(SiteMemberRow, (site.id, member_id))
    invitation = session.get(SiteInvitationRow, member_id)
    if member is not None:
        if site.billing_admin_id == member_id:
            site.billing_admin_id = None  # nobody off the site may pay for it
        before = {"account_id": member_id, "role": member.role}
        session.delete(member)
    elif invitation is not None and invitation.site_id == site.id \
            and invitation.accepted_at is None:
        before = {"email": invitation.email, "role": invitation.role}
        session.delete(invitation)
    else:
        raise LicensorError("MEMBER_NOT_FOUND", "This person is not on the site (any more); "
                            "reload the members page.", {"member_id": member_id})
    session.flush()
    audit.record(session, actor=f"account:{account.id}", action="site.member_removed",
                 entity_type="site", entity_id=site.id, before=before, after=None, now=now)


@events.on("account.created")
def _join_invited_sites(_ctx: Context | None, session: Session, now: datetime, *,
                        account: AccountRow) -> None:
    """A new account joins every site it was invited to (not the deleted ones)."""
    rows = session.scalars(select(SiteInvitationRow).where(
        SiteInvitationRow.email_key == account.email_key,
        SiteInvitationRow.accepted_at.is_(None))).all()
    for row in rows:
        site = session.get(SiteRow, row.site_id)
        row.accepted_at = now
        if site is None or site.deleted_at is not None or account.id == site.owner_id:
            continue
        if session.get(SiteMemberRow, (site.id, account.id)) is None:
            session.add(SiteMemberRow(site_id=site.id, account_id=account.id, role=row.role,
                                      created_at=now))
        audit.record(session, actor=f"account:{account.id}", action="site.member_joined",
                     entity_type="site", entity_id=site.id, before=None,
                     after={"account_id": account.id, "role": row.role}, now=now)
    session.flush()
