"""The billing of a subscription: the charge made through `payments` (attempt committed first,
then the card), and the one step that records it (invoice, audit, event, owner's mail)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from licensor.core import audit, events, payments
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.core.payment_models import PaymentAttemptRow
from licensor.subscriptions.access import (
    mail_owner,
    snapshot,
)
from licensor.subscriptions.models import (
    InvoiceRow,
    SubscriptionRow,
)
from licensor.subscriptions.repository import SubscriptionRepository
from licensor.subscriptions.rules import Line
from licensor.tax import documents as tax_documents
from licensor.tax import service as tax


def line_json(line: Line) -> dict[str, Any]:
    return {"kind": line.kind, "description": line.description, "amount": line.amount.amount,
            "period_start": line.period_start.isoformat(),
            "period_end": line.period_end.isoformat()}


def add_invoice(session: Session, sub: SubscriptionRow, *, reason: str, lines: list[Line],
             net: Money, credit_applied: Money, amount_paid: Money, charge_id: str | None,
             now: datetime, tax: dict[str, Any] | None = None) -> InvoiceRow:
    number = SubscriptionRepository(session).last_invoice_number(sub.id) + 1
    row = InvoiceRow(id=str(uuid.uuid4()), subscription_id=sub.id, number=number, reason=reason,
                     lines=[line_json(x) for x in lines], currency=net.currency,
                     net=net.amount, credit_applied=credit_applied.amount,
                     amount_paid=amount_paid.amount, charge_id=charge_id, created_at=now,
                     tax=tax)
    session.add(row)
    session.flush()
    if amount_paid.amount:  # what the tax report counts: the money the card paid
        tax_documents.record_invoice(session, tax_documents.Sale(
            number=f"{sub.id}#{number}", currency=row.currency, tax=tax,
            total=amount_paid.amount, subscription_id=sub.id), now=now)
    # invoice.created(invoice: InvoiceRow)
    events.emit(None, session, now, "invoice.created", invoice=row)
    return row


@dataclass(frozen=True)
class Billed:
    """What one billing of a subscription records: its invoice, the audit entry, the event and
    the owner's mail (the charge, if any, is made before, through `pay`)."""

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
    tax: dict[str, Any] | None = None  # the invoice's (licensor.tax); amount_paid includes it
    card_country: str | None = None  # the paying card's, as the processor told it (evidence)


def record_billing(session: Session, sub: SubscriptionRow, before: dict[str, Any] | None,
                    billed: Billed, at: datetime) -> None:
    """The one billing step after the subscription row is updated: invoice, audit, event, mail."""
    add_invoice(session, sub, reason=billed.reason, lines=billed.lines, net=billed.net,
             credit_applied=billed.credit_applied, amount_paid=billed.amount_paid,
             charge_id=billed.charge_id, now=at,
             tax=tax.with_card_country(billed.tax, billed.card_country))
    audit.record(session, actor=billed.actor, action=billed.action, entity_type="subscription",
                 entity_id=sub.id, before=before, after=snapshot(sub), now=at)
    events.emit(None, session, at, billed.event, subscription=sub)
    breakdown = tax.mail_fields(billed.tax, billed.net.currency).get("tax_lines")
    taxed = " ".join(f"{x['label']}: {x['amount']}." for x in breakdown) if breakdown else ""
    mail_owner(session, sub, billed.subject, f"{billed.body} {taxed}".strip(), at)


class NothingDue(Exception):
    """The thing to pay for was done by someone else while this payer waited its turn."""


def pay(ctx: Any, session: Session, prepare: Callable[[], payments.PlannedAttempt | None],
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


def planned_attempt(sub_id: str, lock_key: str, number: int, amount: Money,
                    description: str) -> payments.PlannedAttempt:
    return payments.PlannedAttempt(
        purpose="subscription", subject_id=sub_id, lock_key=lock_key,
        key_stem=f"subscription:{sub_id}:invoice:{number}", amount=amount,
        description=description,
        metadata={"subscription_id": sub_id, "invoice_number": str(number)})


def saved_card(ctx: Any, customer: str | None, email: str,
                card_token: str) -> payments.SavedCard:
    """The card behind a checkout's token, saved at the processor for renewals (called with
    no transaction open: the processor may be slow)."""
    return payments.processor_for(ctx).save_card(card_token, customer_id=customer, email=email)


def card_on_file(sub: SubscriptionRow, *, off_session: bool) -> payments.PaymentSource:
    if not sub.payment_method_id or not sub.customer_id:
        raise LicensorError("CARD_DECLINED", "There is no card on file; pass card_token.",
                            {"card_token": None})
    return payments.PaymentSource(
        saved=payments.SavedCard(sub.customer_id, sub.payment_method_id),
        off_session=off_session)


def awaiting_confirmation(session: Session, sub: SubscriptionRow) -> bool:
    """Whether the renewal due now waits for the owner to confirm its payment (3-D Secure)."""
    held = payments.held_for_customer(session, "subscription", sub.id)
    return held is not None and held.request.get("renewal_due") == \
        sub.current_period_end.isoformat()
