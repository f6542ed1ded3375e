"""What falls due with time (rules.falls_due): renewals, trial ends, suspensions, deletions;
and a held renewal payment the owner confirmed later."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from licensor.catalog import service as catalog
from licensor.catalog.price_lists import in_currency_if_offered
from licensor.catalog.rules import Plan, Product
from licensor.core import audit, events, payments
from licensor.core.errors import LicensorError
from licensor.core.formats import human_date
from licensor.core.jobs import job
from licensor.core.money import Money
from licensor.core.payment_models import PaymentAttemptRow
from licensor.subscriptions import coupons, dunning, rules, taxes
from licensor.subscriptions.access import (
    ACTION_GRACE,
    mail_owner,
    money,
    plan_label,
    snapshot,
)
from licensor.subscriptions.billing.service import (
    Billed,
    NothingDue,
    awaiting_confirmation,
    card_on_file,
    pay,
    planned_attempt,
    record_billing,
)
from licensor.subscriptions.enums import SubscriptionStatus
from licensor.subscriptions.models import (
    SubscriptionRow,
)
from licensor.subscriptions.periods import period
from licensor.subscriptions.repository import SiteRepository, SubscriptionRepository
from licensor.subscriptions.rules import PeriodBill, bill_period
from licensor.subscriptions.sites import (
    remove_site,
)

log = logging.getLogger("licensor.subscriptions")


def _end(session: Session, sub: SubscriptionRow, at: datetime, why: str,
         keep: timedelta) -> None:
    """The subscription ends at `at`: a site is suspended, Google Drive turns view-only."""
    before = snapshot(sub)
    sub.status = (SubscriptionStatus.VIEW_ONLY if sub.site_id is None
                  else SubscriptionStatus.SUSPENDED)
    sub.ended_at = at
    dunning.stopped(sub)
    session.flush()
    audit.record(session, actor="job:subscriptions", action=f"subscription.{sub.status}",
                 entity_type="subscription", entity_id=sub.id, before=before,
                 after={**snapshot(sub), "reason": why}, now=at)
    # subscription.suspended(subscription: SubscriptionRow); a Google Drive subscription turns
    # view_only: also `suspended`, its status tells which. An unpaid one's last
    # subscription.payment_failed comes just before.
    events.emit(None, session, at, "subscription.suspended", subscription=sub)
    links: list[tuple[str, str]] = []
    if sub.site_id is None:
        text = ("Your Balsamiq for Google Drive subscription ended; you keep view-only access. "
                "Subscribe again to edit.")
    else:
        deleted_on = rules.deletion_at(sub.status, sub.site_id, at, keep)
        assert deleted_on is not None
        site = SiteRepository(session).get(sub.site_id)
        text = (f"Your site {site.name if site else ''} is suspended: only you, its owner, can "
                "sign in, to restart the subscription, export or delete the site. It will be "
                f"deleted on {human_date(deleted_on)} unless restarted.")
        links = [(label, f"/sites/{sub.site_id}{path}") for label, path in (
            ("Restart the subscription", "/billing"), ("Export the site's data", "/export"),
            ("Delete the site", "/delete"))]
    reasons = {"trial_ended": "The trial is over.", "payment_failed": "The renewal payment "
               "failed.", "canceled": "The canceled subscription reached its period end."}
    mail_owner(session, sub, "Your subscription has ended", f"{reasons[why]} {text}", at,
               links)


def _price_now(session: Session, sub: SubscriptionRow) -> tuple[Product, Plan | None, Money, str]:
    """What the next period costs: today's list price, or the last one if repriced elsewhere."""
    assert sub.plan is not None and sub.interval is not None
    product = in_currency_if_offered(catalog.get_product(session, sub.product), sub.currency)
    plan = product.plan(sub.plan)
    price = plan.price(sub.interval) if plan else money(sub.basis_amount, sub.currency)
    if price.currency != sub.currency:  # repriced in another currency: keep the last price
        price = money(sub.basis_amount, sub.currency)
    return product, plan, price, plan_label(product, plan, sub.interval) if plan else sub.plan


def _renewal_bill(session: Session, sub: SubscriptionRow, due: datetime
                  ) -> tuple[Product, str, PeriodBill]:
    """The next period's invoice as of `due`: today's price, less the subscription's coupon
    while it is in effect, paid by the credit balance first."""
    product, plan, price, label = _price_now(session, sub)
    assert sub.interval is not None
    nxt = period(sub.anchor, sub.interval, sub.period_index + 1)
    coupon = coupons.terms_of(coupons.in_effect(session, sub, due))
    listed = plan is not None and plan.price(sub.interval).currency == sub.currency
    if not listed and coupon is not None and coupon.percent_off is not None:
        coupon = None  # the last price paid (the basis) is the discounted one already
    bill = bill_period(label, price, nxt, coupon, money(sub.credit_balance, sub.currency))
    return product, label, taxes.taxed(session, sub.billing_details, bill, due)


# A subscription whose renewal is being paid: due now (active), or declined before (past due).
RENEWING = (SubscriptionStatus.ACTIVE, dunning.PAST_DUE)


def _renew(ctx: Any, session: Session, sub: SubscriptionRow, due: datetime, at: datetime, *,
           present: bool = False) -> bool:
    """Charge the renewal due at `due` as of `at`: `due` itself, a dunning retry's time, or now
    when the customer updated the card (`present`: a refusal is raised to them). Credit
    balance first, then the card on file, at today's list price. False when the processor
    gave no answer: nothing changed, and the next run tries again."""
    sub_id = sub.id

    def still_due() -> SubscriptionRow:
        sub = SubscriptionRepository(session).get(sub_id, for_update=True)
        if sub is None or sub.status not in RENEWING or sub.current_period_end != due:
            raise NothingDue  # renewed or ended by someone else while we waited
        return sub

    source: list[payments.PaymentSource] = []

    def prepare() -> payments.PlannedAttempt | None:
        sub = still_due()
        _product, label, bill = _renewal_bill(session, sub, due)
        paid = bill.settlement
        if paid.amount_due.amount <= 0:
            return None
        source[:] = [card_on_file(sub, off_session=not present)]
        number = SubscriptionRepository(session).last_invoice_number(sub.id) + 1
        planned = planned_attempt(sub.id, f"subscription:{sub.id}", number, paid.amount_due, label)
        planned.request["renewal_due"] = due.isoformat()
        return planned

    try:
        attempt, charge = pay(ctx, session, prepare, lambda: source[0], at)
    except NothingDue:
        return True
    except LicensorError as exc:
        if present:
            raise
        return _refused(ctx, session, sub_id, due, at, exc)
    sub = still_due()
    if attempt is not None and charge is not None:
        payments.record_paid(ctx, session, attempt, charge)
    _renewed(session, sub, due, charge, at)
    return True


def _refused(ctx: Any, session: Session, sub_id: str, due: datetime, at: datetime,
             exc: LicensorError) -> bool:
    """The renewal's charge at `at` was not made: the bank holds it for the owner (a first
    try), the card was declined (dunning), or the processor gave no answer (False)."""
    sub = SubscriptionRepository(session).get(sub_id, for_update=True)
    if sub is None or sub.status not in RENEWING or sub.current_period_end != due:
        return True
    _product, label, bill = _renewal_bill(session, sub, due)
    amount = bill.settlement.amount_due
    if exc.code == "PAYMENT_ACTION_REQUIRED" and sub.status == SubscriptionStatus.ACTIVE:
        mail_owner(session, sub, "Please confirm your subscription payment",
                   f"Your bank asks you to confirm the renewal payment of "
                   f"{amount.display()} for {label}. Confirm it here: "
                   f"{exc.details.get('url') or '(ask us for the link)'}\n"
                   f"Your subscription continues until {human_date(due + ACTION_GRACE)}; "
                   "without the confirmation it ends then.", due)
        return True  # `advance` keeps it active for the grace period (`awaiting_confirmation`)
    if not dunning.is_decline(exc) and exc.code != "PAYMENT_ACTION_REQUIRED":
        log.warning("renewal of subscription %s not charged (%s); trying again at the next "
                    "run", sub_id, exc.code)
        return False
    # A retry the bank wants confirmed is not paid either: it counts as declined.
    if dunning.declined(session, sub, due, amount, ctx.settings.dunning, at):
        _end(session, sub, at, "payment_failed", ctx.settings.site_deletion)
    return True


def open_renewal(session: Session, sub: SubscriptionRow) -> Money:
    """What the renewal due at the period end costs, paid now (the past-due banner's amount)."""
    return _renewal_bill(session, sub, sub.current_period_end)[2].settlement.amount_due


def pay_open_renewal(ctx: Any, session: Session, sub: SubscriptionRow, now: datetime) -> None:
    """Charge an unpaid renewal now, the customer present (they updated the card): paid, the
    subscription is renewed from its renewal date; a refusal is raised, nothing changes."""
    _renew(ctx, session, sub, sub.current_period_end, now, present=True)


def _renewed(session: Session, sub: SubscriptionRow, due: datetime,
             charge: payments.Charge | None, at: datetime) -> None:
    """The next period from `due`, paid at `at` by credit and `made` (None: credit alone)."""
    product, label, bill = _renewal_bill(session, sub, due)
    paid = bill.settlement
    before = snapshot(sub)
    sub.status = SubscriptionStatus.ACTIVE
    dunning.paid(sub)
    sub.period_index += 1
    assert sub.interval is not None
    nxt = period(sub.anchor, sub.interval, sub.period_index)
    sub.current_period_start, sub.current_period_end = nxt.start, nxt.end
    sub.basis_amount, sub.credit_balance = bill.basis.amount, paid.credit_balance_after.amount
    # subscription.renewed(subscription: SubscriptionRow)
    record_billing(session, sub, before, Billed(
        reason="renewal", lines=list(bill.lines), net=bill.net,
        credit_applied=paid.credit_applied, amount_paid=paid.amount_due, tax=paid.tax,
        charge_id=charge.id if charge else None,
        card_country=charge.card_country if charge else None,
        actor="job:subscriptions",
        action="subscription.renewed", event="subscription.renewed",
        subject=f"Your {product.name} subscription renewed",
        body=f"{label} renewed until {human_date(nxt.end)}. Paid from credit "
             f"{paid.credit_applied.display()}, charged to your card "
             f"{paid.amount_due.display()}."), at)


@payments.fulfiller("subscription")
def _renewal_paid_later(ctx: Any, session: Session, attempt: PaymentAttemptRow,
                        charge: payments.Charge) -> None:
    """A renewal's money arrived after all: the owner confirmed it within the grace period, or
    its process died after the charge. Anything else (a start or plan change) is refunded."""
    due = attempt.request.get("renewal_due")
    sub = SubscriptionRepository(session).get(attempt.subject_id, for_update=True)
    if due is None or sub is None or sub.status not in RENEWING or \
            sub.current_period_end.isoformat() != due:
        raise LicensorError("SUBSCRIPTION_NOT_ACTIVE", "This payment no longer renews the "
                            "subscription; it is refunded.", {"subscription_id":
                                                               attempt.subject_id})
    due_now = _renewal_bill(session, sub, sub.current_period_end)[2].settlement.amount_due
    if charge.amount != due_now:
        raise LicensorError("PAYMENT_FAILED", "The price or the credit changed since this "
                            "payment was asked for; it is refunded.",
                            {"subscription_id": sub.id}, status=409)
    _renewed(session, sub, sub.current_period_end, charge, attempt.business_time)


def advance(ctx: Any, session: Session, sub: SubscriptionRow, now: datetime) -> int:
    """Everything due on this subscription up to `now`, each step as of when it fell due."""
    keep = ctx.settings.site_deletion
    steps = 0
    while True:
        due = sub.current_period_end
        deletion = rules.deletion_at(sub.status, sub.site_id, sub.ended_at, keep)
        retry = rules.retry_at(sub.status, sub.next_payment_attempt_at)
        if (sub.status == SubscriptionStatus.ACTIVE and due <= now
                and awaiting_confirmation(session, sub)):
            if due + ACTION_GRACE > now:
                return steps  # the owner may still confirm the renewal's payment
            # subscription.payment_failed(subscription: SubscriptionRow)
            events.emit(None, session, due + ACTION_GRACE, "subscription.payment_failed",
                        subscription=sub)
            _end(session, sub, due + ACTION_GRACE, "payment_failed", keep)
        elif retry is not None and retry <= now:
            if not _renew(ctx, session, sub, due, retry):
                return steps
        elif rules.period_end_due(sub.status, due, now):
            if sub.status == SubscriptionStatus.ACTIVE:
                if not _renew(ctx, session, sub, due, due):
                    return steps
            else:
                _end(session, sub, due, "trial_ended" if sub.status == SubscriptionStatus.TRIALING
                     else "canceled", keep)
        elif deletion is not None and deletion <= now and sub.site_id is not None:
            site = SiteRepository(session).get(sub.site_id, for_update=True)
            assert site is not None
            remove_site(session, site, sub, deletion, actor="job:subscriptions")
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
