"""Taking money so that no crash, retry or second process can lose or double it.

A payment goes in three steps, each a commit point:

1. `begin`: under the locks of what is paid, a payment attempt is committed naming the thing
   paid (order, subscription invoice), the amount and a processor idempotency key derived from
   them and the attempt's number (never random). One open attempt per license, order or
   subscription (`lock_key`): a second payer waits its turn, then sees what the first did.
2. `charge`: the processor is called with no database transaction open. Its three failures
   are never confused: a decline settles the attempt `declined` (CARD_DECLINED); a processor
   that could not be reached settles it `unreachable` (PROCESSOR_UNAVAILABLE, nothing
   charged); a lost answer leaves it `unconfirmed`, still holding its lock
   (PAYMENT_UNCONFIRMED; another payer gets PAYMENT_IN_PROGRESS) until reconciliation learns
   from the processor whether money moved.
3. `record_paid`: in the transaction that fulfils, the attempt becomes `succeeded` (paid). If
   that transaction rolls back instead of committing, the charge is refunded at once.

A process killed between 1 and 3 leaves an attempt `pending`. `reconcile`
(payments_reconcile.py) settles it and `unconfirmed` ones: it asks the processor by the
attempt's key whether money moved, then fulfils (orders) or refunds (everything else, whose
request is simply retried), or marks it `abandoned` when nothing was charged. Refunds are
attempts too (purpose `refund`, settled by orders/refunds.py). Reconciliation runs at
start-up, in the jobs loop, from `licensor jobs run`, and whenever a payer finds the attempt
in its way, so a retried request gets its final answer soon after the processor answers.

A payment the customer's bank holds for their confirmation (3-D Secure) settles the attempt as
`requires_action`. If the processor later reports the money taken (`paid_later`, from Stripe's
webhook), what was paid for is fulfilled if it still can be, else the money goes back.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from licensor.core.clock import wall_clock
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.core.payment_models import PaymentAttemptRow, ProcessorCustomerRow
from licensor.core.payment_processor import (
    RETRY_AFTER_SECONDS,
    Charge,
    PaymentProcessor,
    PaymentSource,
    Refund,
    SavedCard,
    declined,
    unconfirmed,
)

if TYPE_CHECKING:
    from licensor.core.context import Context

log = logging.getLogger("licensor.payments")

# Wall-clock bookkeeping, not business time: a pending attempt older than this is taken to
# belong to a dead process (the processor answers well within it; its HTTP timeout is shorter).
DOUBT_AFTER = timedelta(seconds=20)
WAIT_FOR_TURN = timedelta(seconds=30)


# -- the processor interface (core/payment_processor.py) -----------------------------------

def processor_for(ctx: Context) -> PaymentProcessor:
    """The processor for this process: Stripe when configured, else the sandbox."""
    processor = ctx.payments
    if processor is None:
        if ctx.settings.stripe_secret_key:
            from licensor.core.payments_stripe import StripeProcessor

            processor = StripeProcessor(
                ctx.settings.stripe_secret_key, action_url=ctx.settings.payment_action_url,
                api_base=ctx.settings.stripe_api_base,
                return_url=ctx.settings.public_url.rstrip("/") + "/payments/return")
        else:
            from licensor.core.payments_sandbox import SandboxProcessor

            processor = SandboxProcessor(ctx.db)
        ctx.payments = processor
    return processor


def customer_for(ctx: Context, session: Session, account_id: str, email: str) -> str:
    """The account's Customer at the processor: created once (its idempotency key names the
    account) and committed at once, before anything that can fail. Like a payment, a commit
    point: what the session did before is committed first."""
    known = session.get(ProcessorCustomerRow, account_id)
    if known is not None:
        return known.customer_id
    session.commit()  # no transaction is open while the processor is asked
    customer_id = processor_for(ctx).create_customer(
        email, idempotency_key=f"licensor:customer:account:{account_id}")
    session.add(ProcessorCustomerRow(account_id=account_id, customer_id=customer_id,
                                     created_at=wall_clock()))
    try:
        session.commit()
    except IntegrityError:  # a twin request saved it first: the same Customer
        session.rollback()
    return customer_id


# -- step 1: the attempt, committed before the processor is called ---------------------------

@dataclass
class PlannedAttempt:
    """What a payer wants to pay, worked out under the locks of what is paid."""

    purpose: str  # order | subscription
    subject_id: str
    lock_key: str
    key_stem: str  # e.g. "order:ord_1:pay"; the attempt's number is appended
    amount: Money
    description: str
    metadata: dict[str, str]
    request: dict[str, Any] = field(default_factory=dict)


def begin(ctx: Context, session: Session, prepare: Callable[[], PlannedAttempt | None],
          now: datetime) -> PaymentAttemptRow | None:
    """Commit a pending attempt for what `prepare` (run under the payer's locks) says.

    Whatever the session did before is committed first: a payment is a commit point. When
    another attempt holds the same thing, everything is rolled back, its owner is waited for
    (or, when it is in doubt, it is reconciled) and `prepare` runs again on fresh data.
    Returns None when `prepare` finds nothing to pay (the session's transaction stays open).
    A host that cannot sign with the active key refuses here, before anything is charged.
    """
    ctx.keyring.signer(session)
    session.commit()
    deadline = time.monotonic() + WAIT_FOR_TURN.total_seconds()
    pause = 0.02
    while True:
        session.expire_all()
        planned = prepare()
        if planned is None:
            return None
        attempt = _try_insert(session, planned, now)
        if attempt is not None:
            session.commit()
            return attempt
        holder = _holder(ctx, planned.lock_key)
        if holder is not None and (holder.status == "unconfirmed"
                                   or wall_clock() - holder.created_at >= DOUBT_AFTER):
            if _try_reconcile(ctx, holder.id) in IN_DOUBT:
                raise in_progress(planned.lock_key)
            continue
        if time.monotonic() > deadline:
            raise in_progress(planned.lock_key)
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def in_progress(lock_key: str) -> LicensorError:
    return LicensorError("PAYMENT_IN_PROGRESS", "Another payment for the same thing is still "
                         "in progress or awaits the card processor's confirmation; retry in a "
                         "minute to see its outcome.", {"lock": lock_key.split(":", 1)[0]},
                         headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def _try_reconcile(ctx: Context, attempt_id: str) -> str:
    """reconcile, or the attempt's status unchanged when the processor cannot tell yet."""
    try:
        return reconcile(ctx, attempt_id)
    except LicensorError as exc:
        log.info("payment attempt %s stays in doubt: %s", attempt_id, exc.code)
        return "unconfirmed"


def _try_insert(session: Session, planned: PlannedAttempt,
                now: datetime) -> PaymentAttemptRow | None:
    number = 1 + (session.scalar(select(func.count()).select_from(PaymentAttemptRow).where(
        PaymentAttemptRow.subject_id == planned.subject_id,
        PaymentAttemptRow.purpose == planned.purpose)) or 0)
    attempt = PaymentAttemptRow(
        id="pa_" + uuid.uuid4().hex, purpose=planned.purpose, subject_id=planned.subject_id,
        lock_key=planned.lock_key, processor_key=f"{planned.key_stem}:{number}",
        amount=planned.amount.amount, currency=planned.amount.currency, status="pending",
        request={**planned.request, "description": planned.description,
                 "metadata": planned.metadata},
        business_time=now, created_at=wall_clock())
    session.add(attempt)
    try:
        session.flush()
    except IntegrityError:  # the thing is held by another attempt (or a twin got our number)
        session.rollback()
        return None
    return attempt


def _holder(ctx: Context, lock_key: str) -> PaymentAttemptRow | None:
    with ctx.db.reader() as s:
        return s.scalar(select(PaymentAttemptRow).where(PaymentAttemptRow.lock_key == lock_key))


# -- step 2: the processor, with no transaction open ----------------------------------------

def charge(ctx: Context, session: Session, attempt: PaymentAttemptRow,
           source: PaymentSource) -> Charge:
    """Charge for a committed attempt. Every failure is settled (committed) and raised as one
    of three outcomes never confused: declined (CARD_DECLINED, closed `declined`), not reached
    (PROCESSOR_UNAVAILABLE, closed `unreachable`: nothing can have been charged), or unknown
    (PAYMENT_UNCONFIRMED: the attempt stays `unconfirmed`, holding what it pays for until
    reconciliation learns from the processor whether money moved)."""
    try:
        charge = processor_for(ctx).charge(
            Money(attempt.amount, attempt.currency), source,
            description=attempt.request.get("description", ""),
            idempotency_key=attempt.processor_key, metadata=attempt.request.get("metadata", {}))
    except LicensorError as exc:
        _charge_failed(session, attempt, exc)
        raise
    except Exception as exc:  # a processor library's surprise: the charge may have been made
        log.exception("charge for attempt %s ended unexpectedly", attempt.id)
        lost = unconfirmed(type(exc).__name__)
        _charge_failed(session, attempt, lost)
        raise lost from None
    session.info.setdefault(_COMPENSATIONS, []).append((ctx, attempt.id, charge))
    return charge


def give_back(ctx: Context, session: Session, attempt: PaymentAttemptRow) -> Refund:
    """Refund for a committed refund attempt (its request names the charge), with a charge's
    outcomes: PROCESSOR_UNAVAILABLE closes it `unreachable` (nothing refunded),
    PAYMENT_UNCONFIRMED leaves it `unconfirmed` for reconciliation, both raised."""
    try:
        return processor_for(ctx).refund(attempt.request["charge_id"],
                                         Money(attempt.amount, attempt.currency),
                                         idempotency_key=attempt.processor_key)
    except LicensorError as exc:
        _charge_failed(session, attempt, exc)
        raise
    except Exception as exc:  # a processor library's surprise: the refund may have been made
        log.exception("refund for attempt %s ended unexpectedly", attempt.id)
        lost = unconfirmed(type(exc).__name__, what="refund")
        _charge_failed(session, attempt, lost)
        raise lost from None


def _charge_failed(session: Session, attempt: PaymentAttemptRow, exc: LicensorError) -> None:
    if exc.code == "PAYMENT_UNCONFIRMED":  # keeps its lock: another payer waits or is told
        row = session.get(PaymentAttemptRow, attempt.id, with_for_update=True,
                          populate_existing=True)
        assert row is not None
        if row.status == "pending":
            row.status, row.error = "unconfirmed", exc.code
    elif exc.code == "PAYMENT_ACTION_REQUIRED":  # the customer may still confirm it
        _close(session, attempt.id, "requires_action", error=exc.code,
               charge_id=exc.details.get("payment_intent"))
    elif exc.code == "PROCESSOR_UNAVAILABLE":
        _close(session, attempt.id, "unreachable", error=exc.code)
    else:
        _close(session, attempt.id, "declined", error=exc.code)
    session.commit()


def fail(session: Session, attempt: PaymentAttemptRow, exc: LicensorError) -> None:
    """Settle an attempt that could not be charged at all (no usable card, or the processor
    did not answer while saving it: nothing was charged); committed."""
    unanswered = exc.code in ("PROCESSOR_UNAVAILABLE", "PAYMENT_UNCONFIRMED")
    _close(session, attempt.id, "unreachable" if unanswered else "declined", error=exc.code)
    session.commit()


def close(session: Session, attempt_id: str, status: str, *, refund_id: str | None = None
          ) -> None:
    """Settle an attempt in the caller's transaction (a refund recorded with its order)."""
    _close(session, attempt_id, status, refund_id=refund_id)


def _close(session: Session, attempt_id: str, status: str, *, charge_id: str | None = None,
           refund_id: str | None = None, error: str | None = None) -> PaymentAttemptRow:
    row = session.get(PaymentAttemptRow, attempt_id, with_for_update=True,
                      populate_existing=True)
    assert row is not None
    row.status, row.lock_key, row.settled_at = status, None, wall_clock()
    row.charge_id = charge_id or row.charge_id
    row.refund_id = refund_id or row.refund_id
    row.error = error or row.error
    session.flush()
    return row


# -- step 3: paid, in the transaction that fulfils --------------------------------------------

def record_paid(ctx: Context, session: Session, attempt: PaymentAttemptRow,
                charge: Charge) -> None:
    """Mark the attempt paid in the fulfilling transaction. If a reconciler already gave up
    on it (this process was taken for dead), the money goes back and the payer is told."""
    row = session.get(PaymentAttemptRow, attempt.id, with_for_update=True,
                      populate_existing=True)
    assert row is not None
    if row.status != "pending":
        session.rollback()  # runs the compensation: the charge is refunded
        raise LicensorError("PAYMENT_INTERRUPTED", "This payment took too long and was "
                            "refunded; nothing changed. Please pay again.",
                            {"charge_id": charge.id})
    _close(session, attempt.id, "succeeded", charge_id=charge.id)


_COMPENSATIONS = "licensor.payments.unsettled"


# SQLAlchemy signals a SAVEPOINT's release as a commit and its rollback as a rollback; only
# the outermost transaction's end settles a charge's fate (a savepoint inside the fulfilling
# transaction, e.g. counting a coupon's use, neither keeps nor refunds the money).

@event.listens_for(Session, "after_commit")
def _forget_compensations(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(_COMPENSATIONS, None)


@event.listens_for(Session, "after_rollback")
def _refund_unsettled(session: Session) -> None:
    """A charge whose fulfilling transaction did not commit goes back at once."""
    if session.in_nested_transaction():
        return
    for ctx, attempt_id, charge in session.info.pop(_COMPENSATIONS, []):
        try:
            refund_attempt(ctx, attempt_id, charge)
        except Exception:  # the rollback must go on; reconciliation refunds it later
            log.exception("could not refund charge %s of a rolled-back payment", charge.id)


def refund_attempt(ctx: Context, attempt_id: str, charge: Charge) -> None:
    with ctx.db.reader() as s:
        row = s.get(PaymentAttemptRow, attempt_id)
        key = row.processor_key if row is not None else attempt_id
    refunded = processor_for(ctx).refund(charge.id, charge.amount,
                                         idempotency_key=f"{key}:refund")
    with ctx.db.writer() as s:
        row = s.get(PaymentAttemptRow, attempt_id, with_for_update=True)
        if row is not None and row.status in (*IN_DOUBT, *PAID_LATER):
            _close(s, attempt_id, "refunded", charge_id=charge.id, refund_id=refunded.id)
        s.commit()


# -- what is in doubt, and what may still be paid ------------------------------------------

# An attempt whose charge may or may not have been made: `pending` (its process may still be
# at the processor, or dead) or `unconfirmed` (the processor's answer was lost).
IN_DOUBT = ("pending", "unconfirmed")

# An attempt Licensor stopped waiting for whose money may still move: the customer's bank
# held it for their confirmation (3-D Secure), reconciliation found no charge yet (the
# processor's search lags a little behind its charges), its answer was lost, or it was
# answered as declined or unreachable. A charge reported for any of them is fulfilled or
# refunded, never left unmatched.
PAID_LATER = ("requires_action", "abandoned", "unconfirmed", "declined", "unreachable")


def held_for_customer(session: Session, purpose: str,
                      subject_id: str) -> PaymentAttemptRow | None:
    """The latest attempt for this subject if it waits for the customer's confirmation."""
    row = _latest(session, purpose, subject_id)
    return row if row is not None and row.status == "requires_action" else None


def settled_from_doubt(session: Session, purpose: str, subject_id: str) -> bool:
    """Whether this subject was paid by an attempt whose answer had been lost: the payer's
    retry is then answered with what was paid, not refused as already paid."""
    row = _latest(session, purpose, subject_id)
    return row is not None and row.status == "succeeded" and row.error == "PAYMENT_UNCONFIRMED"


def _latest(session: Session, purpose: str, subject_id: str) -> PaymentAttemptRow | None:
    return session.scalar(select(PaymentAttemptRow).where(
        PaymentAttemptRow.purpose == purpose, PaymentAttemptRow.subject_id == subject_id)
        .order_by(PaymentAttemptRow.created_at.desc(), PaymentAttemptRow.id.desc()).limit(1))


# Reconciliation lives in payments_reconcile (imported here last: it builds on this module).
from licensor.core.payments_reconcile import (
    fulfiller,
    paid_later,
    reconcile,
    reconcile_in_doubt,
    settler,
)

__all__ = ["Charge", "PaymentProcessor", "PaymentSource", "Refund", "SavedCard",
           "declined", "fulfiller", "paid_later", "reconcile", "reconcile_in_doubt",
           "settler"]
