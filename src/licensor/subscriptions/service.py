"""Sites, projects and subscriptions (myBalsamiq, Balsamiq for Google Drive): subscribe, change
plan with exact proration, cancel, and the lifecycle that falls due with time (renewals, trial
ends, suspensions, deletions).

Rights: the owner or the billing admin of a site subscribes, changes plan, cancels and reads
invoices; a Google Drive subscription belongs to the account that bought it. Someone who is not
on a site sees nothing of it (404). A suspended site answers only its owner (403 SITE_SUSPENDED
for everyone else), who may restart the subscription, export or delete the site.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from licensor.accounts import service as accounts
from licensor.accounts.models import AccountRow
from licensor.catalog import service as catalog
from licensor.catalog.rules import Plan, Product
from licensor.core import audit, events, mail, payments
from licensor.core.errors import LicensorError
from licensor.core.jobs import job
from licensor.core.money import Money
from licensor.core.payment_models import PaymentAttemptRow
from licensor.subscriptions import rules
from licensor.subscriptions.models import (
    InvoiceRow,
    ProjectRow,
    SiteMemberRow,
    SiteRow,
    SubscriptionRow,
)
from licensor.subscriptions.periods import Period, period
from licensor.subscriptions.repository import SiteRepository, SubscriptionRepository
from licensor.subscriptions.rules import Line, PlanChange, change_plan, settle

# A renewal whose payment the bank holds for the owner's confirmation keeps the subscription
# active this long after its due time; unconfirmed, it then ends as a failed payment.
ACTION_GRACE = timedelta(days=7)
INTERVAL_WORD = {"month": "monthly", "year": "yearly"}


# -- access -----------------------------------------------------------------------------------

def _site_not_found(site_id: str) -> LicensorError:
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
        raise _site_not_found(site_id)
    if site.owner_id != account.id:
        sub = SubscriptionRepository(session).for_site(site.id)
        if sub is not None and sub.status == "suspended":
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


def _not_while_suspended(session: Session, site: SiteRow) -> None:
    sub = SubscriptionRepository(session).for_site(site.id)
    if sub is not None and sub.status == "suspended":
        raise LicensorError("SITE_SUSPENDED", "The site is suspended: restart its subscription "
                            "with POST /v1/subscriptions first (or export or delete it).",
                            {"site_id": site.id})


# -- plans and money --------------------------------------------------------------------------

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
    if sub.plan is not None and sub.status != "trialing":
        plan = product.plan(sub.plan)
        if plan is not None:
            return plan.limit
    return max((p.limit for p in product.plans or ()), default=0)


def _check_fits(session: Session, site: SiteRow, plan: Plan) -> None:
    active = SiteRepository(session).active_projects(site.id)
    if active > plan.limit:
        raise LicensorError("PLAN_TOO_SMALL", f"The {plan.name} plan allows {plan.limit} active "
                            f"projects and the site has {active}; archive "
                            f"{active - plan.limit} first, or choose a larger plan.",
                            {"plan": plan.code, "limit": plan.limit, "active_projects": active})


def money(amount: int, currency: str) -> Money:
    return Money(amount, currency)


def _same_currency(sub: SubscriptionRow, plan: Plan, price: Money) -> None:
    """Credit and basis are in the subscription's currency; a plan the vendor has since priced
    in another currency cannot be prorated against them."""
    if price.currency != sub.currency:
        raise LicensorError("CURRENCY_MISMATCH", f"This subscription is billed in "
                            f"{sub.currency} and the {plan.name} plan is now priced in "
                            f"{price.currency}; contact the vendor to move the subscription.",
                            {"currency": sub.currency, "plan_currency": price.currency},
                            status=409)


def _owner(session: Session, sub: SubscriptionRow) -> AccountRow:
    owner = accounts.get_account(session, sub.owner_id)
    assert owner is not None
    return owner


def _snapshot(sub: SubscriptionRow) -> dict[str, Any]:
    return {"status": sub.status, "plan": sub.plan, "interval": sub.interval,
            "current_period_start": sub.current_period_start.isoformat(),
            "current_period_end": sub.current_period_end.isoformat(),
            "cancel_at_period_end": sub.cancel_at_period_end, "basis": sub.basis_amount,
            "credit_balance": sub.credit_balance}


def _line_json(line: Line) -> dict[str, Any]:
    return {"kind": line.kind, "description": line.description, "amount": line.amount.amount,
            "period_start": line.period_start.isoformat(),
            "period_end": line.period_end.isoformat()}


def _invoice(session: Session, sub: SubscriptionRow, *, reason: str, lines: list[Line],
             net: Money, credit_applied: Money, amount_paid: Money, charge_id: str | None,
             now: datetime) -> InvoiceRow:
    number = SubscriptionRepository(session).last_invoice_number(sub.id) + 1
    row = InvoiceRow(id=str(uuid.uuid4()), subscription_id=sub.id, number=number, reason=reason,
                     lines=[_line_json(x) for x in lines], currency=net.currency,
                     net=net.amount, credit_applied=credit_applied.amount,
                     amount_paid=amount_paid.amount, charge_id=charge_id, created_at=now)
    session.add(row)
    session.flush()
    # invoice.created(invoice: InvoiceRow)
    events.emit(None, session, now, "invoice.created", invoice=row)
    return row


@dataclass(frozen=True)
class Billed:
    """What one billing of a subscription records: its invoice, the audit entry, the event and
    the owner's mail (the charge, if any, is made before, through `_pay`)."""

    reason: str  # the invoice's: subscription_create, plan_change, renewal
    lines: list[Line]
    net: Money
    credit_applied: Money
    amount_paid: Money
    charge_id: str | None
    actor: str
    action: str  # audit
    event: str
    subject: str  # of the owner's mail
    body: str


def _record_billing(session: Session, sub: SubscriptionRow, before: dict[str, Any] | None,
                    billed: Billed, at: datetime) -> None:
    """The one billing step after the subscription row is updated: invoice, audit, event, mail."""
    _invoice(session, sub, reason=billed.reason, lines=billed.lines, net=billed.net,
             credit_applied=billed.credit_applied, amount_paid=billed.amount_paid,
             charge_id=billed.charge_id, now=at)
    audit.record(session, actor=billed.actor, action=billed.action, entity_type="subscription",
                 entity_id=sub.id, before=before, after=_snapshot(sub), now=at)
    events.emit(None, session, at, billed.event, subscription=sub)
    _mail_owner(session, sub, billed.subject, billed.body, at)


class _NothingDue(Exception):
    """The thing to pay for was done by someone else while this payer waited its turn."""


def _pay(ctx: Any, session: Session, prepare: Callable[[], payments.Intent | None],
         source: Callable[[], payments.PaymentSource], now: datetime
         ) -> tuple[PaymentAttemptRow | None, payments.Charge | None]:
    """Commit the attempt, then charge (see `payments`); (None, None) when nothing is due."""
    attempt = payments.begin(ctx, session, prepare, now)
    if attempt is None:
        return None, None
    try:
        card = source()
    except LicensorError as exc:
        payments.fail(session, attempt, exc)
        raise
    return attempt, payments.charge(ctx, session, attempt, card)


def _intent(sub_id: str, lock_key: str, number: int, amount: Money,
            description: str) -> payments.Intent:
    return payments.Intent(
        purpose="subscription", subject_id=sub_id, lock_key=lock_key,
        key_stem=f"subscription:{sub_id}:invoice:{number}", amount=amount,
        description=description,
        metadata={"subscription_id": sub_id, "invoice_number": str(number)})


def _saved_card(ctx: Any, customer: str | None, email: str,
                card_token: str) -> payments.SavedCard:
    """The card behind a checkout's token, saved at the processor for renewals (called with
    no transaction open: the processor may be slow)."""
    return payments.processor_for(ctx).save_card(card_token, customer_id=customer, email=email)


def _card_on_file(sub: SubscriptionRow, *, off_session: bool) -> payments.PaymentSource:
    if not sub.payment_method_id or not sub.customer_id:
        raise LicensorError("CARD_DECLINED", "There is no card on file; pass card_token.",
                            {"card_token": None})
    return payments.PaymentSource(
        saved=payments.SavedCard(sub.customer_id, sub.payment_method_id),
        off_session=off_session)


def _mail_owner(session: Session, sub: SubscriptionRow, subject: str, body: str,
                now: datetime) -> None:
    mail.enqueue(session, to=_owner(session, sub).email, subject=subject, body=body, now=now)


# -- sites, members, projects -----------------------------------------------------------------

def create_site(session: Session, account: AccountRow, *, name: str, product_code: str,
                now: datetime) -> tuple[SiteRow, SubscriptionRow]:
    product = catalog.get_product(session, product_code)
    if product.model != "subscription" or not product.plans or product.single_user:
        raise LicensorError("INVALID_REQUEST", f"{product.name} has no sites; sites are for "
                            "multi-user subscription products such as mybalsamiq.",
                            {"field": "product"}, status=422)
    site = SiteRow(id=str(uuid.uuid4()), name=name.strip(), product=product.code,
                   owner_id=account.id, billing_admin_id=None, created_at=now)
    session.add(site)
    session.flush()
    trial_end = now + timedelta(days=product.trial_days)
    sub = SubscriptionRow(id=str(uuid.uuid4()), product=product.code, owner_id=account.id,
                          site_id=site.id, google_id=None, plan=None, interval=None,
                          status="trialing", anchor=now, period_index=0,
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
    _not_while_suspended(session, site)
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
    _not_while_suspended(session, site)
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
    _not_while_suspended(session, site)
    _check_room(session, site)
    row = ProjectRow(id=str(uuid.uuid4()), site_id=site.id, name=name.strip(), status="active",
                     created_at=now)
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
    _not_while_suspended(session, site)
    row = SiteRepository(session).project(site.id, project_id)
    if row is None:
        raise LicensorError("PROJECT_NOT_FOUND", "There is no such project on this site.",
                            {"project_id": project_id})
    if row.status == status:
        return row
    if status == "active":
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
    _delete(session, site, sub, now, actor=f"account:{account.id}")
    return site


def _delete(session: Session, site: SiteRow, sub: SubscriptionRow, at: datetime, *,
            actor: str) -> None:
    before = _snapshot(sub)
    repo = SiteRepository(session)
    for project in repo.projects(site.id):
        session.delete(project)
    for member in repo.members(site.id):
        session.delete(member)
    site.deleted_at, site.billing_admin_id = at, None
    sub.status, sub.cancel_at_period_end = "deleted", False
    sub.ended_at = sub.ended_at or at
    session.flush()
    audit.record(session, actor=actor, action="site.deleted", entity_type="site",
                 entity_id=site.id, before=before, after=_snapshot(sub), now=at)
    # subscription.deleted(subscription: SubscriptionRow)
    events.emit(None, session, at, "subscription.deleted", subscription=sub)
    _mail_owner(session, sub, f"Your site {site.name} was deleted",
                f"The site {site.name} and its projects were deleted on {at:%Y-%m-%d}.", at)


# -- subscribe --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SubscribeRequest:
    product: str | None
    plan: str
    interval: str
    card_token: str
    site_id: str | None = None
    google_id: str | None = None
    quantity: int | None = None


def subscribe(ctx: Any, session: Session, account: AccountRow, req: SubscribeRequest,
              now: datetime) -> SubscriptionRow:
    """A paid subscription whose first period starts now (a site's trial or restart, or a new
    Google Drive subscription). Nothing changes when the card is declined."""
    new_id = str(uuid.uuid4())
    saved: list[payments.SavedCard] = []
    customer = SubscriptionRepository(session).customer_of(account.id)
    email = account.email

    def prepare() -> payments.Intent | None:
        sub, product, plan = _subscribable(session, account, req, new_id, now)
        price = plan.price(req.interval)
        if sub.credit_balance:
            _same_currency(sub, plan, price)
        paid = settle(price, money(sub.credit_balance, price.currency))
        if paid.amount_due.amount <= 0:
            return None
        lock = f"subscription:{sub.id}" if sub.site_id else f"google:{req.google_id}"
        number = SubscriptionRepository(session).last_invoice_number(sub.id) + 1
        return _intent(sub.id, lock, number, paid.amount_due,
                       plan_label(product, plan, req.interval))

    def card() -> payments.PaymentSource:
        saved.append(_saved_card(ctx, customer, email, req.card_token))
        return payments.PaymentSource(saved=saved[0])

    attempt, made = _pay(ctx, session, prepare, card, now)
    sub, product, plan = _subscribable(session, account, req, new_id, now)
    if sub.status == "new":
        try:
            with session.begin_nested():  # a twin that got here first fails here
                session.add(sub)
        except IntegrityError:
            raise LicensorError("ALREADY_SUBSCRIBED", "This Google ID already has a "
                                "subscription; change its plan instead.",
                                {"google_id": req.google_id}) from None
    if attempt is not None and made is not None:
        payments.settle(ctx, session, attempt, made)
    if not saved:
        saved.append(_saved_card(ctx, customer, email, req.card_token))
    return _start(session, account, sub, product, plan, req.interval, saved[0],
                  made.id if made else None, now)


def _subscribable(session: Session, account: AccountRow, req: SubscribeRequest, new_id: str,
                  now: datetime) -> tuple[SubscriptionRow, Product, Plan]:
    """The subscription to start (locked; a new, unsaved one for Google Drive), or a refusal."""
    if req.site_id is not None:
        site = site_for(session, req.site_id, account, for_update=True)
        sub = SubscriptionRepository(session).for_site(site.id, for_update=True)
        assert sub is not None
        require_billing(site, sub, account)
        product = catalog.get_product(session, site.product)
        if req.product is not None and req.product != product.code:
            raise LicensorError("INVALID_REQUEST", f"This site is a {product.code} site; leave "
                                "out product or give the site's.", {"field": "product"},
                                status=422)
        if req.quantity not in (None, 1):
            raise LicensorError("INVALID_REQUEST", "Site plans are sized by active projects, "
                                "not quantity; leave out quantity.", {"field": "quantity"},
                                status=422)
        if sub.status in ("active", "canceled"):
            raise LicensorError("ALREADY_SUBSCRIBED", "This site already has a paid "
                                "subscription; change its plan instead.",
                                {"subscription_id": sub.id})
        plan = plan_of(product, req.plan)
        _check_fits(session, site, plan)
        return sub, product, plan
    product = catalog.get_product(session, req.product or "")
    if product.model != "subscription":
        raise LicensorError("INVALID_REQUEST", f"{product.name} is not sold by "
                            "subscription; choose a subscription product.",
                            {"field": "product"}, status=422)
    if not product.single_user:
        raise LicensorError("INVALID_REQUEST", f"{product.name} is subscribed per site: "
                            "create a site (POST /v1/sites) and pass site_id.",
                            {"field": "site_id"}, status=422)
    if req.quantity not in (None, 1):
        raise LicensorError("SINGLE_USER_ONLY", f"{product.name} is a single-user "
                            "subscription for one Google ID: there is no volume or "
                            "company-wide purchase. Each person subscribes with their own "
                            "Google ID and quantity 1.", {"quantity": req.quantity})
    if not req.google_id:
        raise LicensorError("INVALID_REQUEST", "The field 'google_id' is required for "
                            f"{product.name}.", {"field": "google_id"}, status=422)
    existing = SubscriptionRepository(session).live_for_google_id(req.google_id)
    if existing is not None:
        raise LicensorError("ALREADY_SUBSCRIBED", "This Google ID already has a "
                            "subscription; change its plan instead.",
                            {"subscription_id": existing.id})
    plan = plan_of(product, req.plan)
    price = plan.price(req.interval)
    sub = SubscriptionRow(id=new_id, product=product.code, owner_id=account.id,
                          site_id=None, google_id=req.google_id, status="new", anchor=now,
                          period_index=0, current_period_start=now,
                          current_period_end=now, cancel_at_period_end=False,
                          currency=price.currency, basis_amount=0, credit_balance=0,
                          created_at=now)
    return sub, product, plan


def _start(session: Session, account: AccountRow, sub: SubscriptionRow, product: Product,
           plan: Plan, interval: str, card: payments.SavedCard, charge_id: str | None,
           now: datetime) -> SubscriptionRow:
    before = None if sub.status == "new" else _snapshot(sub)
    price = plan.price(interval)
    first = period(now, interval, 0)
    paid = settle(price, money(sub.credit_balance, price.currency))
    sub.plan, sub.interval, sub.status = plan.code, interval, "active"
    sub.anchor, sub.period_index = now, 0
    sub.current_period_start, sub.current_period_end = first.start, first.end
    sub.cancel_at_period_end, sub.ended_at = False, None
    sub.currency, sub.basis_amount = price.currency, price.amount
    sub.credit_balance = paid.credit_balance_after.amount
    sub.customer_id, sub.payment_method_id = card.customer_id, card.payment_method_id
    label = plan_label(product, plan, interval)
    # subscription.created(subscription: SubscriptionRow) for a new one (Google Drive); a site's
    # trial turned paid, or a restart: subscription.updated
    _record_billing(session, sub, before, Billed(
        reason="subscription_create", lines=[Line("charge", label, price, first.start, first.end)],
        net=price, credit_applied=paid.credit_applied, amount_paid=paid.amount_due,
        charge_id=charge_id, actor=f"account:{account.id}", action="subscription.started",
        event="subscription.created" if before is None else "subscription.updated",
        subject=f"Your {product.name} subscription",
        body=f"Thank you: {label} runs from {first.start:%Y-%m-%d} to {first.end:%Y-%m-%d}. "
             f"Charged to your card: {paid.amount_due.display()}."), now)
    return sub


# -- plan change ------------------------------------------------------------------------------

def _require_active(sub: SubscriptionRow) -> None:
    if sub.status != "active":
        hint = {"trialing": "subscribe first with POST /v1/subscriptions",
                "canceled": "it ends at the end of the period; subscribe again after that",
                }.get(sub.status, "subscribe again with POST /v1/subscriptions")
        raise LicensorError("SUBSCRIPTION_NOT_ACTIVE", f"The subscription is {sub.status}; "
                            f"{hint}.", {"status": sub.status})


def _plan_change(session: Session, sub: SubscriptionRow, site: SiteRow | None,
                 plan_code: str | None, interval: str | None, at: datetime) -> PlanChange:
    _require_active(sub)
    if _awaiting_confirmation(session, sub):
        raise LicensorError("SUBSCRIPTION_NOT_ACTIVE", "The renewal's payment waits for your "
                            "confirmation (follow the link we mailed you); change the plan "
                            "after that.", {"status": "awaiting_confirmation"})
    assert sub.plan is not None and sub.interval is not None
    product = catalog.get_product(session, sub.product)
    new_plan = plan_of(product, plan_code or sub.plan)
    new_interval = interval or sub.interval
    if new_plan.code == sub.plan and new_interval == sub.interval:
        raise LicensorError("NO_CHANGE", "The subscription is already on this plan and "
                            "interval; choose another plan or interval.",
                            {"plan": sub.plan, "interval": sub.interval})
    _same_currency(sub, new_plan, new_plan.price(new_interval))
    if site is not None:
        _check_fits(session, site, new_plan)
    current = Period(sub.current_period_start, sub.current_period_end)
    if not current.contains(at):
        raise LicensorError("INVALID_REQUEST", "'at' must be a time inside the current period "
                            f"({current.start.isoformat()} to {current.end.isoformat()}).",
                            {"field": "at"}, status=422)
    old_plan = product.plan(sub.plan)
    old_name = plan_label(product, old_plan, sub.interval) if old_plan else sub.plan
    new_period = None if new_interval == sub.interval else period(at, new_interval, 0)
    return change_plan(current=current, basis=money(sub.basis_amount, sub.currency),
                       old_name=old_name, new_name=plan_label(product, new_plan, new_interval),
                       new_price=new_plan.price(new_interval), new_period=new_period, at=at,
                       credit_balance=money(sub.credit_balance, sub.currency))


def preview_change(session: Session, account: AccountRow, subscription_id: str, *,
                   plan: str | None, interval: str | None, at: datetime) -> PlanChange:
    sub, site = subscription_for(session, subscription_id, account)
    require_billing(site, sub, account)
    return _plan_change(session, sub, site, plan, interval, at)


def apply_change(ctx: Any, session: Session, account: AccountRow, subscription_id: str, *,
                 plan: str | None, interval: str | None, card_token: str | None,
                 now: datetime) -> PlanChange:
    """The change at `now`, equal to its preview; a declined card leaves everything as it was."""
    sub, site = subscription_for(session, subscription_id, account, for_update=True)
    require_billing(site, sub, account)
    advance(ctx, session, sub, now)  # a renewal due before now happens first

    source: list[payments.PaymentSource] = []

    def prepare() -> payments.Intent | None:
        sub, site = subscription_for(session, subscription_id, account, for_update=True)
        require_billing(site, sub, account)
        change = _plan_change(session, sub, site, plan, interval, now)
        if change.settlement.amount_due.amount <= 0:
            return None
        source[:] = [payments.PaymentSource(card_token=card_token) if card_token
                     else _card_on_file(sub, off_session=False)]
        number = SubscriptionRepository(session).last_invoice_number(sub.id) + 1
        return _intent(sub.id, f"subscription:{sub.id}", number, change.settlement.amount_due,
                       change.lines[-1].description)

    def card() -> payments.PaymentSource:
        return source[0]

    attempt, made = _pay(ctx, session, prepare, card, now)
    sub, site = subscription_for(session, subscription_id, account, for_update=True)
    require_billing(site, sub, account)
    change = _plan_change(session, sub, site, plan, interval, now)
    if attempt is not None and made is not None:
        payments.settle(ctx, session, attempt, made)
    product = catalog.get_product(session, sub.product)
    before = _snapshot(sub)
    sub.plan = plan or sub.plan
    if interval is not None and interval != sub.interval:
        sub.interval, sub.anchor, sub.period_index = interval, now, 0
    sub.current_period_start = change.period_after.start
    sub.current_period_end = change.period_after.end
    sub.basis_amount = change.basis_after.amount
    sub.credit_balance = change.settlement.credit_balance_after.amount
    s = change.settlement
    assert sub.plan is not None and sub.interval is not None
    label = plan_label(product, plan_of(product, sub.plan), sub.interval)
    # subscription.updated(subscription: SubscriptionRow)
    _record_billing(session, sub, before, Billed(
        reason="plan_change", lines=list(change.lines), net=s.net,
        credit_applied=s.credit_applied, amount_paid=s.amount_due,
        charge_id=made.id if made else None, actor=f"account:{account.id}",
        action="subscription.plan_changed", event="subscription.updated",
        subject=f"Your {product.name} plan changed",
        body=f"Your plan is now {label}. Net {s.net.display()}; charged to your card "
             f"{s.amount_due.display()}; credit balance {s.credit_balance_after.display()}."),
        now)
    return change


def cancel(session: Session, account: AccountRow, subscription_id: str,
           now: datetime) -> SubscriptionRow:
    sub, site = subscription_for(session, subscription_id, account, for_update=True)
    require_billing(site, sub, account)
    _require_active(sub)
    before = _snapshot(sub)
    sub.status, sub.cancel_at_period_end = "canceled", True
    session.flush()
    audit.record(session, actor=f"account:{account.id}", action="subscription.canceled",
                 entity_type="subscription", entity_id=sub.id, before=before,
                 after=_snapshot(sub), now=now)
    # subscription.canceled(subscription: SubscriptionRow)
    events.emit(None, session, now, "subscription.canceled", subscription=sub)
    _mail_owner(session, sub, "Your subscription is canceled",
                "No further charges will be made; access continues until "
                f"{sub.current_period_end:%Y-%m-%d %H:%M} UTC.", now)
    return sub


# -- lifecycle (jobs) -------------------------------------------------------------------------

def _end(session: Session, sub: SubscriptionRow, at: datetime, why: str,
         keep: timedelta) -> None:
    """The subscription ends at `at`: a site is suspended, Google Drive turns view-only."""
    before = _snapshot(sub)
    sub.status = "view_only" if sub.site_id is None else "suspended"
    sub.ended_at = at
    session.flush()
    audit.record(session, actor="job:subscriptions", action=f"subscription.{sub.status}",
                 entity_type="subscription", entity_id=sub.id, before=before,
                 after={**_snapshot(sub), "reason": why}, now=at)
    # subscription.payment_failed, then subscription.suspended (subscription: SubscriptionRow;
    # a Google Drive subscription turns view_only: also `suspended`, its status tells which)
    if why == "payment_failed":
        events.emit(None, session, at, "subscription.payment_failed", subscription=sub)
    events.emit(None, session, at, "subscription.suspended", subscription=sub)
    if sub.site_id is None:
        text = ("Your Balsamiq for Google Drive subscription ended; you keep view-only access. "
                "Subscribe again to edit.")
    else:
        text = ("Your site is suspended: only you, its owner, can sign in, to restart the "
                "subscription, export or delete the site. It will be deleted on "
                f"{at + keep:%Y-%m-%d} unless restarted.")
    reasons = {"trial_ended": "The trial is over.", "payment_failed": "The renewal payment "
               "failed.", "canceled": "The canceled subscription reached its period end."}
    _mail_owner(session, sub, "Your subscription has ended", f"{reasons[why]} {text}", at)


def _price_now(session: Session, sub: SubscriptionRow) -> tuple[Product, Plan | None, Money, str]:
    """What the next period costs: today's list price, or the last one if repriced elsewhere."""
    assert sub.plan is not None and sub.interval is not None
    product = catalog.get_product(session, sub.product)
    plan = product.plan(sub.plan)
    price = plan.price(sub.interval) if plan else money(sub.basis_amount, sub.currency)
    if price.currency != sub.currency:  # repriced in another currency: keep the last price
        price = money(sub.basis_amount, sub.currency)
    return product, plan, price, plan_label(product, plan, sub.interval) if plan else sub.plan


def _renew(ctx: Any, session: Session, sub: SubscriptionRow, due: datetime) -> None:
    """Renew as of `due`: credit balance first, then the card on file, at today's list price."""
    sub_id = sub.id

    def still_due() -> SubscriptionRow:
        sub = SubscriptionRepository(session).get(sub_id, for_update=True)
        if sub is None or sub.status != "active" or sub.current_period_end != due:
            raise _NothingDue  # renewed or ended by someone else while we waited
        return sub

    source: list[payments.PaymentSource] = []

    def prepare() -> payments.Intent | None:
        sub = still_due()
        _product, _plan, price, label = _price_now(session, sub)
        paid = settle(price, money(sub.credit_balance, sub.currency))
        if paid.amount_due.amount <= 0:
            return None
        source[:] = [_card_on_file(sub, off_session=True)]
        number = SubscriptionRepository(session).last_invoice_number(sub.id) + 1
        intent = _intent(sub.id, f"subscription:{sub.id}", number, paid.amount_due, label)
        intent.request["renewal_due"] = due.isoformat()
        return intent

    try:
        attempt, made = _pay(ctx, session, prepare, lambda: source[0], due)
    except _NothingDue:
        return
    except LicensorError as exc:
        if exc.status != 402:
            raise
        sub = SubscriptionRepository(session).get(sub_id, for_update=True) or sub
        _product, _plan, price, label = _price_now(session, sub)
        amount = settle(price, money(sub.credit_balance, sub.currency)).amount_due
        if exc.code == "PAYMENT_ACTION_REQUIRED":
            _mail_owner(session, sub, "Please confirm your subscription payment",
                        f"Your bank asks you to confirm the renewal payment of "
                        f"{amount.display()} for {label}. Confirm it here: "
                        f"{exc.details.get('url') or '(ask us for the link)'}\n"
                        f"Your subscription continues until {due + ACTION_GRACE:%Y-%m-%d}; "
                        "without the confirmation it ends then.", due)
            return  # `advance` keeps it active for the grace period (`_awaiting_confirmation`)
        _mail_owner(session, sub, "Your subscription payment failed",
                    f"We could not charge {amount.display()} for {label}.", due)
        _end(session, sub, due, "payment_failed", ctx.settings.site_deletion)
        return
    sub = still_due()
    if attempt is not None and made is not None:
        payments.settle(ctx, session, attempt, made)
    _renewed(session, sub, due, made)


def _renewed(session: Session, sub: SubscriptionRow, due: datetime,
             made: payments.Charge | None) -> None:
    """The next period, paid as of `due` by credit and `made` (None: credit alone)."""
    product, _plan, price, label = _price_now(session, sub)
    paid = settle(price, money(sub.credit_balance, sub.currency))
    before = _snapshot(sub)
    sub.period_index += 1
    assert sub.interval is not None
    nxt = period(sub.anchor, sub.interval, sub.period_index)
    sub.current_period_start, sub.current_period_end = nxt.start, nxt.end
    sub.basis_amount, sub.credit_balance = price.amount, paid.credit_balance_after.amount
    # subscription.renewed(subscription: SubscriptionRow)
    _record_billing(session, sub, before, Billed(
        reason="renewal", lines=[Line("charge", label, price, nxt.start, nxt.end)], net=price,
        credit_applied=paid.credit_applied, amount_paid=paid.amount_due,
        charge_id=made.id if made else None, actor="job:subscriptions",
        action="subscription.renewed", event="subscription.renewed",
        subject=f"Your {product.name} subscription renewed",
        body=f"{label} renewed until {nxt.end:%Y-%m-%d}. Paid from credit "
             f"{paid.credit_applied.display()}, charged to your card "
             f"{paid.amount_due.display()}."), due)


def _awaiting_confirmation(session: Session, sub: SubscriptionRow) -> bool:
    """Whether the renewal due now waits for the owner to confirm its payment (3-D Secure)."""
    held = payments.held_for_customer(session, "subscription", sub.id)
    return held is not None and held.request.get("renewal_due") == \
        sub.current_period_end.isoformat()


@payments.fulfiller("subscription")
def _renewal_paid_later(ctx: Any, session: Session, attempt: PaymentAttemptRow,
                        made: payments.Charge) -> None:
    """A renewal's money arrived after all: the owner confirmed it within the grace period, or
    its process died after the charge. Anything else (a start or plan change) is refunded."""
    due = attempt.request.get("renewal_due")
    sub = SubscriptionRepository(session).get(attempt.subject_id, for_update=True)
    if due is None or sub is None or sub.status != "active" or \
            sub.current_period_end.isoformat() != due:
        raise LicensorError("SUBSCRIPTION_NOT_ACTIVE", "This payment no longer renews the "
                            "subscription; it is refunded.", {"subscription_id":
                                                               attempt.subject_id})
    _product, _plan, price, _label = _price_now(session, sub)
    if made.amount != settle(price, money(sub.credit_balance, sub.currency)).amount_due:
        raise LicensorError("PAYMENT_FAILED", "The price or the credit changed since this "
                            "payment was asked for; it is refunded.",
                            {"subscription_id": sub.id}, status=409)
    _renewed(session, sub, sub.current_period_end, made)


def advance(ctx: Any, session: Session, sub: SubscriptionRow, now: datetime) -> int:
    """Everything due on this subscription up to `now`, each step as of when it fell due."""
    keep = ctx.settings.site_deletion
    steps = 0
    while True:
        due = sub.current_period_end
        deletion = rules.deletion_at(sub.status, sub.site_id, sub.ended_at, keep)
        if sub.status == "active" and due <= now and _awaiting_confirmation(session, sub):
            if due + ACTION_GRACE > now:
                return steps  # the owner may still confirm the renewal's payment
            _end(session, sub, due + ACTION_GRACE, "payment_failed", keep)
        elif rules.period_end_due(sub.status, due, now):
            if sub.status == "active":
                _renew(ctx, session, sub, due)
            else:
                _end(session, sub, due, "trial_ended" if sub.status == "trialing" else "canceled",
                     keep)
        elif deletion is not None and deletion <= now and sub.site_id is not None:
            site = SiteRepository(session).get(sub.site_id, for_update=True)
            assert site is not None
            _delete(session, site, sub, deletion, actor="job:subscriptions")
        else:
            return steps
        steps += 1


@job("subscriptions")
def run_lifecycle(ctx: Any, session: Session, now: datetime) -> int:
    """Renewals, trial ends, suspensions and deletions that fell due up to `now`."""
    repo = SubscriptionRepository(session)
    done = 0
    for subscription_id in repo.due(now, ctx.settings.site_deletion):
        sub = repo.get(subscription_id, for_update=True)
        if sub is not None:
            done += advance(ctx, session, sub, now)
    return done


def export_site(session: Session, account: AccountRow, site_id: str) -> dict[str, Any]:
    site = site_for(session, site_id, account)
    require_owner(site, account)
    repo = SiteRepository(session)
    return {"site": site, "members": repo.members(site.id), "projects": repo.projects(site.id)}
