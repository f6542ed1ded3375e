"""Subscribe, change plan with exact proration (a preview equals the change), cancel."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from licensor.accounts.service import AccountRow
from licensor.catalog import service as catalog
from licensor.catalog.price_lists import in_currency, in_currency_if_offered
from licensor.catalog.rules import Plan, Product
from licensor.core import audit, events, payments
from licensor.core.errors import LicensorError
from licensor.core.formats import human_date, human_time
from licensor.discounts.rules import Coupon
from licensor.subscriptions import coupons, dunning, taxes
from licensor.subscriptions.access import (
    check_fits,
    mail_owner,
    money,
    plan_label,
    plan_of,
    require_billing,
    same_currency,
    site_for,
    snapshot,
    subscription_for,
)
from licensor.subscriptions.billing.service import (
    Billed,
    awaiting_confirmation,
    card_on_file,
    pay,
    planned_attempt,
    record_billing,
    saved_card,
)
from licensor.subscriptions.enums import SubscriptionStatus
from licensor.subscriptions.lifecycle import (
    advance,
)
from licensor.subscriptions.models import (
    SiteRow,
    SubscriptionRow,
)
from licensor.subscriptions.periods import Period, period
from licensor.subscriptions.repository import SubscriptionRepository
from licensor.subscriptions.rules import PeriodBill, PlanChange, bill_period, change_plan


@dataclass(frozen=True)
class SubscribeRequest:
    product: str | None
    plan: str
    interval: str
    card_token: str
    site_id: str | None = None
    google_id: str | None = None
    quantity: int | None = None
    coupon: str | None = None
    # Checked by licensor.tax.billing_details; kept on the subscription when it starts.
    billing_details: dict[str, Any] | None = None
    currency: str | None = None  # of the product's price lists; None: its main currency


def subscribe(ctx: Any, session: Session, account: AccountRow, req: SubscribeRequest,
              now: datetime) -> SubscriptionRow:
    """A paid subscription whose first period starts now (a site's trial or restart, or a new
    Google Drive subscription). Nothing changes when the card is declined."""
    new_id = str(uuid.uuid4())
    saved: list[payments.SavedCard] = []
    email = account.email
    customer = (SubscriptionRepository(session).customer_of(account.id)
                or payments.customer_for(ctx, session, account.id, email))

    def prepare() -> payments.PlannedAttempt | None:
        sub, product, plan = _subscribable(session, account, req, new_id, now)
        if sub.credit_balance:
            same_currency(sub, plan, plan.price(req.interval))
        paid = _first_bill(session, sub, product, plan, req, email, now)[0].settlement
        if paid.amount_due.amount <= 0:
            return None
        lock = f"subscription:{sub.id}" if sub.site_id else f"google:{req.google_id}"
        number = SubscriptionRepository(session).last_invoice_number(sub.id) + 1
        return planned_attempt(sub.id, lock, number, paid.amount_due,
                               plan_label(product, plan, req.interval))

    def card() -> payments.PaymentSource:
        saved.append(saved_card(ctx, customer, email, req.card_token))
        return payments.PaymentSource(saved=saved[0])

    attempt, charge = pay(ctx, session, prepare, card, now)
    sub, product, plan = _subscribable(session, account, req, new_id, now)
    if sub.status == SubscriptionStatus.NEW:
        try:
            with session.begin_nested():  # a twin that got here first fails here
                session.add(sub)
        except IntegrityError:
            raise LicensorError("ALREADY_SUBSCRIBED", "This Google ID already has a "
                                "subscription; change its plan instead.",
                                {"google_id": req.google_id}) from None
    if attempt is not None and charge is not None:
        payments.record_paid(ctx, session, attempt, charge)
    if not saved:
        saved.append(saved_card(ctx, customer, email, req.card_token))
    return _start(session, account, sub, product, plan, req, saved[0], charge, now)


def preview_subscribe(session: Session, account: AccountRow, req: SubscribeRequest,
                      now: datetime) -> tuple[PeriodBill, Period]:
    """What Subscribe would charge now and the first period it pays (the bill `subscribe`
    makes, with the same refusals); nothing is stored or charged."""
    sub, product, plan = _subscribable(session, account, req, "preview", now, lock=False)
    bill = _first_bill(session, sub, product, plan, req, account.email, now)[0]
    return bill, period(now, req.interval, 0)


def _subscribable(session: Session, account: AccountRow, req: SubscribeRequest, new_id: str,
                  now: datetime, *, lock: bool = True) -> tuple[SubscriptionRow, Product, Plan]:
    """The subscription to start (locked; a new, unsaved one for Google Drive), or a refusal."""
    if req.site_id is not None:
        site = site_for(session, req.site_id, account, for_update=lock)
        sub = SubscriptionRepository(session).for_site(site.id, for_update=lock)
        assert sub is not None
        require_billing(site, sub, account)
        product = in_currency(catalog.get_product(session, site.product), req.currency)
        if req.product is not None and req.product != product.code:
            raise LicensorError("INVALID_REQUEST", f"This site is a {product.code} site; leave "
                                "out product or give the site's.", {"field": "product"},
                                status=422)
        if req.quantity not in (None, 1):
            raise LicensorError("INVALID_REQUEST", "Site plans are sized by active projects, "
                                "not quantity; leave out quantity.", {"field": "quantity"},
                                status=422)
        if sub.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE,
                          SubscriptionStatus.CANCELED):
            raise LicensorError("ALREADY_SUBSCRIBED", "This site already has a paid "
                                "subscription; change its plan instead.",
                                {"subscription_id": sub.id})
        plan = plan_of(product, req.plan)
        check_fits(session, site, plan)
        return sub, product, plan
    product = in_currency(catalog.get_product(session, req.product or ""), req.currency)
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
                          site_id=None, google_id=req.google_id,
                          status=SubscriptionStatus.NEW, anchor=now,
                          period_index=0, current_period_start=now,
                          current_period_end=now, cancel_at_period_end=False,
                          currency=price.currency, basis_amount=0, credit_balance=0,
                          created_at=now)
    return sub, product, plan


def _first_bill(session: Session, sub: SubscriptionRow, product: Product, plan: Plan,
                req: SubscribeRequest, email: str, now: datetime
                ) -> tuple[PeriodBill, coupons.SubCoupon | None]:
    """The first period's invoice: the plan's price, less the coupon given (or, on a restart,
    the subscription's own while in effect), credit balance first."""
    price = plan.price(req.interval)
    applied = coupons.pricing(session, sub, req.coupon, amount=price, email=email, at=now)
    bill = bill_period(plan_label(product, plan, req.interval), price,
                       period(now, req.interval, 0), coupons.terms_of(applied),
                       money(sub.credit_balance, price.currency))
    return taxes.taxed(session, req.billing_details or sub.billing_details, bill, now), applied


def _start(session: Session, account: AccountRow, sub: SubscriptionRow, product: Product,
           plan: Plan, req: SubscribeRequest, card: payments.SavedCard,
           charge: payments.Charge | None, now: datetime) -> SubscriptionRow:
    before = None if sub.status == SubscriptionStatus.NEW else snapshot(sub)
    if req.billing_details is not None:
        sub.billing_details = req.billing_details
    bill, applied = _first_bill(session, sub, product, plan, req, account.email, now)
    paid, first = bill.settlement, period(now, req.interval, 0)
    sub.plan, sub.interval, sub.status = plan.code, req.interval, SubscriptionStatus.ACTIVE
    sub.anchor, sub.period_index = now, 0
    sub.current_period_start, sub.current_period_end = first.start, first.end
    sub.cancel_at_period_end, sub.ended_at = False, None
    dunning.paid(sub)
    sub.currency, sub.basis_amount = bill.basis.currency, bill.basis.amount
    sub.credit_balance = paid.credit_balance_after.amount
    sub.customer_id, sub.payment_method_id = card.customer_id, card.payment_method_id
    label = plan_label(product, plan, req.interval)
    # subscription.created(subscription: SubscriptionRow) for a new one (Google Drive); a site's
    # trial turned paid, or a restart: subscription.updated
    record_billing(session, sub, before, Billed(
        reason="subscription_create", lines=list(bill.lines), net=bill.net,
        credit_applied=paid.credit_applied, amount_paid=paid.amount_due, tax=paid.tax,
        charge_id=charge.id if charge else None,
        card_country=charge.card_country if charge else None,
        actor=f"account:{account.id}", action="subscription.started",
        event="subscription.created" if before is None else "subscription.updated",
        subject=f"Your {product.name} subscription",
        body=f"Thank you: {label} runs from {human_date(first.start)} to {human_date(first.end)}. "
             f"Charged to your card: {paid.amount_due.display()}."), now)
    coupons.keep(session, sub, applied, email=account.email, discount=bill.discount, now=now)
    return sub


def require_active(sub: SubscriptionRow) -> None:
    if sub.status != SubscriptionStatus.ACTIVE:
        hints: dict[str, str] = {
                SubscriptionStatus.TRIALING: "subscribe first with POST /v1/subscriptions",
                SubscriptionStatus.CANCELED: "it ends at the end of the period; subscribe again "
                                             "after that",
                SubscriptionStatus.PAST_DUE: "its renewal payment was declined: update the card "
                                             f"first with PUT /v1/subscriptions/{sub.id}/card "
                                             "(it is charged at once)"}
        hint = hints.get(sub.status, "subscribe again with POST /v1/subscriptions")
        raise LicensorError("SUBSCRIPTION_NOT_ACTIVE", f"The subscription is {sub.status}; "
                            f"{hint}.", {"status": sub.status})


def _plan_change(session: Session, sub: SubscriptionRow, site: SiteRow | None,
                 plan_code: str | None, interval: str | None, at: datetime,
                 code: str | None = None, email: str = ""
                 ) -> tuple[PlanChange, coupons.SubCoupon | None]:
    """The change at `at` (the preview and the change both come from here), with the coupon
    given (`code`) or the subscription's own in effect discounting its charge line."""
    require_active(sub)
    if awaiting_confirmation(session, sub):
        raise LicensorError("SUBSCRIPTION_NOT_ACTIVE", "The renewal's payment waits for your "
                            "confirmation (follow the link we mailed you); change the plan "
                            "after that.", {"status": "awaiting_confirmation"})
    assert sub.plan is not None and sub.interval is not None
    # A subscription keeps its currency through plan changes.
    product = in_currency_if_offered(catalog.get_product(session, sub.product), sub.currency)
    new_plan = plan_of(product, plan_code or sub.plan)
    new_interval = interval or sub.interval
    if new_plan.code == sub.plan and new_interval == sub.interval:
        raise LicensorError("NO_CHANGE", "The subscription is already on this plan and "
                            "interval; choose another plan or interval.",
                            {"plan": sub.plan, "interval": sub.interval})
    same_currency(sub, new_plan, new_plan.price(new_interval))
    if site is not None:
        check_fits(session, site, new_plan)
    current = Period(sub.current_period_start, sub.current_period_end)
    if not current.contains(at):
        raise LicensorError("INVALID_REQUEST", "'at' must be a time inside the current period "
                            f"({current.start.isoformat()} to {current.end.isoformat()}).",
                            {"field": "at"}, status=422)
    old_plan = product.plan(sub.plan)
    old_name = plan_label(product, old_plan, sub.interval) if old_plan else sub.plan
    new_period = None if new_interval == sub.interval else period(at, new_interval, 0)

    def priced(coupon: Coupon | None) -> PlanChange:
        return change_plan(current=current, basis=money(sub.basis_amount, sub.currency),
                           old_name=old_name, new_name=plan_label(product, new_plan, new_interval),
                           new_price=new_plan.price(new_interval), new_period=new_period, at=at,
                           credit_balance=money(sub.credit_balance, sub.currency), coupon=coupon)

    applied = coupons.pricing(session, sub, code, amount=priced(None).charge.amount,
                              email=email, at=at)
    return taxes.taxed(session, sub.billing_details, priced(coupons.terms_of(applied)), at), applied


def preview_change(session: Session, account: AccountRow, subscription_id: str, *,
                   plan: str | None, interval: str | None, at: datetime,
                   coupon: str | None = None) -> PlanChange:
    sub, site = subscription_for(session, subscription_id, account)
    require_billing(site, sub, account)
    return _plan_change(session, sub, site, plan, interval, at, coupon, account.email)[0]


def apply_change(ctx: Any, session: Session, account: AccountRow, subscription_id: str, *,
                 plan: str | None, interval: str | None, card_token: str | None,
                 now: datetime, coupon: str | None = None) -> PlanChange:
    """The change at `now`, equal to its preview; a declined card leaves everything as it was."""
    sub, site = subscription_for(session, subscription_id, account, for_update=True)
    require_billing(site, sub, account)
    advance(ctx, session, sub, now)  # a renewal due before now happens first

    source: list[payments.PaymentSource] = []

    def prepare() -> payments.PlannedAttempt | None:
        sub, site = subscription_for(session, subscription_id, account, for_update=True)
        require_billing(site, sub, account)
        change = _plan_change(session, sub, site, plan, interval, now, coupon,
                              account.email)[0]
        if change.settlement.amount_due.amount <= 0:
            return None
        source[:] = [payments.PaymentSource(card_token=card_token) if card_token
                     else card_on_file(sub, off_session=False)]
        number = SubscriptionRepository(session).last_invoice_number(sub.id) + 1
        return planned_attempt(sub.id, f"subscription:{sub.id}", number,
                               change.settlement.amount_due, change.charge.description)

    def card() -> payments.PaymentSource:
        return source[0]

    attempt, charge = pay(ctx, session, prepare, card, now)
    sub, site = subscription_for(session, subscription_id, account, for_update=True)
    require_billing(site, sub, account)
    change, applied = _plan_change(session, sub, site, plan, interval, now, coupon,
                                   account.email)
    if attempt is not None and charge is not None:
        payments.record_paid(ctx, session, attempt, charge)
    _changed(session, account, sub, change, plan, interval, charge, now)
    coupons.keep(session, sub, applied, email=account.email, discount=change.discount, now=now)
    return change


def _changed(session: Session, account: AccountRow, sub: SubscriptionRow, change: PlanChange,
             plan: str | None, interval: str | None, charge: payments.Charge | None,
             now: datetime) -> None:
    """The subscription after a change paid by `made` (None: nothing to charge)."""
    product = catalog.get_product(session, sub.product)
    before = snapshot(sub)
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
    record_billing(session, sub, before, Billed(
        reason="plan_change", lines=list(change.lines), net=s.net,
        credit_applied=s.credit_applied, amount_paid=s.amount_due, tax=s.tax,
        charge_id=charge.id if charge else None,
        card_country=charge.card_country if charge else None,
        actor=f"account:{account.id}", action="subscription.plan_changed",
        event="subscription.updated",
        subject=f"Your {product.name} plan changed",
        body=f"Your plan is now {label}. Net {s.net.display()}; charged to your card "
             f"{s.amount_due.display()}; credit balance {s.credit_balance_after.display()}."),
        now)


def cancel(session: Session, account: AccountRow, subscription_id: str,
           now: datetime) -> SubscriptionRow:
    sub, site = subscription_for(session, subscription_id, account, for_update=True)
    require_billing(site, sub, account)
    return _cancel(session, sub, f"account:{account.id}", now)


def cancel_by_staff(session: Session, subscription_id: str, actor: str,
                    now: datetime) -> SubscriptionRow:
    """The console's Cancel subscription: as the owner's own cancel (access to the period's
    end, no further charge, the owner mailed), the staff member named in the audit log. A
    past-due one is canceled too: its unpaid renewal is no longer retried, so it ends at the
    lifecycle's next run."""
    sub = SubscriptionRepository(session).get(subscription_id, for_update=True)
    if sub is None:
        raise LicensorError("SUBSCRIPTION_NOT_FOUND", f"No subscription {subscription_id[:60]}.",
                            {"subscription_id": subscription_id[:60]})
    return _cancel(session, sub, actor, now, unpaid=sub.status == SubscriptionStatus.PAST_DUE)


def _cancel(session: Session, sub: SubscriptionRow, actor: str, now: datetime, *,
            unpaid: bool = False) -> SubscriptionRow:
    if not unpaid:
        require_active(sub)
    before = snapshot(sub)
    sub.status, sub.cancel_at_period_end = SubscriptionStatus.CANCELED, True
    dunning.stopped(sub)
    session.flush()
    audit.record(session, actor=actor, action="subscription.canceled",
                 entity_type="subscription", entity_id=sub.id, before=before,
                 after=snapshot(sub), now=now)
    # subscription.canceled(subscription: SubscriptionRow)
    events.emit(None, session, now, "subscription.canceled", subscription=sub)
    until = ("the unpaid renewal is no longer tried, so access ends now" if unpaid else
             f"access continues until {human_time(sub.current_period_end)}")
    mail_owner(session, sub, "Your subscription is canceled",
               f"No further charges will be made; {until}.", now)
    return sub
