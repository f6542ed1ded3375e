"""Taking money so that no crash, retry or second process can lose or double it.

A payment goes in three steps, each a commit point:

1. `begin`: under the locks of what is paid, a payment attempt is committed naming the thing
   paid (order, subscription invoice), the amount and a processor idempotency key derived from
   them and the attempt's number (never random). One open attempt per license, order or
   subscription (`lock_key`): a second payer waits its turn, then sees what the first did.
2. `charge`: the processor is called with no database transaction open. A decline settles the
   attempt as `declined` (committed) and raises CARD_DECLINED.
3. `settle`: in the transaction that fulfils, the attempt becomes `succeeded`. If that
   transaction rolls back instead of committing, the charge is refunded at once.

A process killed between 1 and 3 leaves an attempt `pending`. `reconcile` settles it: it asks
the processor by the attempt's key whether money moved, then fulfils (orders) or refunds
(everything else, whose request is simply retried), or marks it `abandoned` when nothing was
charged. It runs at start-up, in the jobs loop, and whenever a payer finds the attempt in its
way, so a retried request gets its final answer soon after a restart.

A payment the customer's bank holds for their confirmation (3-D Secure) settles the attempt as
`requires_action`. If the processor later reports the money taken (`complete`, from Stripe's
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
from licensor.core.payment_models import PaymentAttemptRow
from licensor.core.payment_processor import (  # noqa: F401  (importers name them here)
    Charge,
    PaymentProcessor,
    PaymentSource,
    Refund,
    SavedCard,
    declined,
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

            processor = StripeProcessor(ctx.settings.stripe_secret_key,
                                        action_url=ctx.settings.payment_action_url)
        else:
            from licensor.core.payments_sandbox import SandboxProcessor

            processor = SandboxProcessor(ctx.db)
        ctx.payments = processor
    return processor


# -- step 1: the attempt, committed before the processor is called ---------------------------

@dataclass
class Intent:
    """What a payer wants to pay, worked out under the locks of what is paid."""

    purpose: str  # order | subscription
    subject_id: str
    lock_key: str
    key_stem: str  # e.g. "order:ord_1:pay"; the attempt's number is appended
    amount: Money
    description: str
    metadata: dict[str, str]
    request: dict[str, Any] = field(default_factory=dict)


def begin(ctx: Context, session: Session, prepare: Callable[[], Intent | None],
          now: datetime) -> PaymentAttemptRow | None:
    """Commit a pending attempt for what `prepare` (run under the payer's locks) says.

    Whatever the session did before is committed first: a payment is a commit point. When
    another attempt holds the same thing, everything is rolled back, its owner is waited for
    (or, when it is in doubt, it is reconciled) and `prepare` runs again on fresh data.
    Returns None when `prepare` finds nothing to pay (the session's transaction stays open).
    A host that cannot sign with the active key refuses here, before anything is charged:
    what is paid for is signed afterwards (License Keys), and a charge it cannot fulfil would
    only be refunded.
    """
    ctx.keyring.signer(session)
    session.commit()
    deadline = time.monotonic() + WAIT_FOR_TURN.total_seconds()
    pause = 0.02
    while True:
        session.expire_all()
        intent = prepare()
        if intent is None:
            return None
        attempt = _try_insert(session, intent, now)
        if attempt is not None:
            session.commit()
            return attempt
        holder = _holder(ctx, intent.lock_key)
        if holder is not None and wall_clock() - holder.created_at >= DOUBT_AFTER:
            reconcile(ctx, holder.id)
            continue
        if time.monotonic() > deadline:
            raise LicensorError("PAYMENT_IN_PROGRESS", "Another payment for the same thing is "
                                "still in progress; retry in a minute to see its outcome.",
                                {"lock": intent.lock_key.split(":", 1)[0]})
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def _try_insert(session: Session, intent: Intent, now: datetime) -> PaymentAttemptRow | None:
    number = 1 + (session.scalar(select(func.count()).select_from(PaymentAttemptRow).where(
        PaymentAttemptRow.subject_id == intent.subject_id,
        PaymentAttemptRow.purpose == intent.purpose)) or 0)
    attempt = PaymentAttemptRow(
        id="pa_" + uuid.uuid4().hex, purpose=intent.purpose, subject_id=intent.subject_id,
        lock_key=intent.lock_key, processor_key=f"{intent.key_stem}:{number}",
        amount=intent.amount.amount, currency=intent.amount.currency, status="pending",
        request={**intent.request, "description": intent.description,
                 "metadata": intent.metadata},
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
    """Charge for a committed attempt. A decline is settled (committed) and raised."""
    try:
        made = processor_for(ctx).charge(
            Money(attempt.amount, attempt.currency), source,
            description=attempt.request.get("description", ""),
            idempotency_key=attempt.processor_key, metadata=attempt.request.get("metadata", {}))
    except LicensorError as exc:
        if exc.code == "PAYMENT_ACTION_REQUIRED":  # the customer may still confirm it
            _close(session, attempt.id, "requires_action", error=exc.code,
                   charge_id=exc.details.get("payment_intent"))
        else:
            _close(session, attempt.id, "declined", error=exc.code)
        session.commit()
        raise
    session.info.setdefault(_COMPENSATIONS, []).append((ctx, attempt.id, made))
    return made


def fail(session: Session, attempt: PaymentAttemptRow, exc: LicensorError) -> None:
    """Settle an attempt that could not be charged at all (no usable card); committed."""
    _close(session, attempt.id, "declined", error=exc.code)
    session.commit()


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


# -- step 3: settled in the transaction that fulfils ---------------------------------------

def settle(ctx: Context, session: Session, attempt: PaymentAttemptRow, made: Charge) -> None:
    """Mark the attempt paid in the fulfilling transaction. If a reconciler already gave up
    on it (this process was taken for dead), the money goes back and the payer is told."""
    row = session.get(PaymentAttemptRow, attempt.id, with_for_update=True,
                      populate_existing=True)
    assert row is not None
    if row.status != "pending":
        session.rollback()  # runs the compensation: the charge is refunded
        raise LicensorError("PAYMENT_INTERRUPTED", "This payment took too long and was "
                            "refunded; nothing changed. Please pay again.",
                            {"charge_id": made.id})
    _close(session, attempt.id, "succeeded", charge_id=made.id)


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
    for ctx, attempt_id, made in session.info.pop(_COMPENSATIONS, []):
        try:
            refund_attempt(ctx, attempt_id, made)
        except Exception:  # the rollback must go on; reconciliation refunds it later
            log.exception("could not refund charge %s of a rolled-back payment", made.id)


def refund_attempt(ctx: Context, attempt_id: str, made: Charge) -> None:
    with ctx.db.reader() as s:
        row = s.get(PaymentAttemptRow, attempt_id)
        key = row.processor_key if row is not None else attempt_id
    refunded = processor_for(ctx).refund(made.id, made.amount,
                                         idempotency_key=f"{key}:refund")
    with ctx.db.writer() as s:
        row = s.get(PaymentAttemptRow, attempt_id, with_for_update=True)
        if row is not None and row.status in ("pending", *PAID_LATER):
            _close(s, attempt_id, "refunded", charge_id=made.id, refund_id=refunded.id)
        s.commit()


# -- reconciliation ------------------------------------------------------------------------

Fulfiller = Callable[["Context", Session, PaymentAttemptRow, Charge], None]
_FULFILLERS: dict[str, Fulfiller] = {}


def fulfiller(purpose: str) -> Callable[[Fulfiller], Fulfiller]:
    """Register how a paid attempt of `purpose` is fulfilled after its process died; it raises
    LicensorError when that is no longer possible (the money then goes back)."""
    def register(fn: Fulfiller) -> Fulfiller:
        _FULFILLERS[purpose] = fn
        return fn
    return register


def reconcile(ctx: Context, attempt_id: str) -> str:
    """Settle a pending attempt by asking the processor what happened; returns its status."""
    with ctx.db.reader() as s:
        row = s.get(PaymentAttemptRow, attempt_id)
        if row is None or row.status != "pending":
            return row.status if row is not None else "missing"
        key = row.processor_key
    made = processor_for(ctx).find_charge(key)
    if made is None or made.status == "refunded":
        with ctx.db.writer() as s:
            row = s.get(PaymentAttemptRow, attempt_id, with_for_update=True)
            assert row is not None
            if row.status == "pending":
                _close(s, attempt_id, "abandoned" if made is None else "refunded",
                       charge_id=made.id if made else None)
            status = row.status
            s.commit()
        return status
    with ctx.db.writer() as s:
        row = s.get(PaymentAttemptRow, attempt_id, with_for_update=True)
        assert row is not None
        if row.status != "pending":
            return row.status
        fulfil = _FULFILLERS.get(row.purpose)
        if fulfil is not None:
            try:
                with s.begin_nested():
                    fulfil(ctx, s, row, made)
            except LicensorError as exc:
                log.info("paid attempt %s cannot be fulfilled (%s); refunding", row.id, exc.code)
            else:
                _close(s, attempt_id, "succeeded", charge_id=made.id)
                s.commit()
                log.warning("reconciled payment %s: fulfilled", attempt_id)
                return "succeeded"
        s.rollback()
    refund_attempt(ctx, attempt_id, made)
    log.warning("reconciled payment %s: refunded", attempt_id)
    return "refunded"


# An attempt Licensor stopped waiting for whose money may still move: the customer's bank
# held it for their confirmation (3-D Secure), or reconciliation found no charge yet (the
# processor's search lags a little behind its charges).
PAID_LATER = ("requires_action", "abandoned")


def complete(ctx: Context, processor_key: str, charge_id: str) -> str:
    """The processor reports money taken for an attempt in PAID_LATER (Stripe's webhook): fulfil
    what it was for if that is still possible, else give the money back. Returns the status."""
    with ctx.db.writer() as s:
        row = s.scalar(select(PaymentAttemptRow).where(
            PaymentAttemptRow.processor_key == processor_key).with_for_update())
        if row is None or row.status not in PAID_LATER:
            return row.status if row is not None else "missing"
        attempt_id, made = row.id, Charge(charge_id, Money(row.amount, row.currency))
        fulfil = _FULFILLERS.get(row.purpose)
        if fulfil is not None:
            try:
                with s.begin_nested():
                    fulfil(ctx, s, row, made)
            except LicensorError as exc:
                log.info("payment %s came too late (%s); refunding", attempt_id, exc.code)
            else:
                _close(s, attempt_id, "succeeded", charge_id=made.id)
                s.commit()
                return "succeeded"
        s.rollback()
    refund_attempt(ctx, attempt_id, made)
    return "refunded"


def held_for_customer(session: Session, purpose: str,
                      subject_id: str) -> PaymentAttemptRow | None:
    """The latest attempt for this subject if it waits for the customer's confirmation."""
    row = session.scalar(select(PaymentAttemptRow).where(
        PaymentAttemptRow.purpose == purpose, PaymentAttemptRow.subject_id == subject_id)
        .order_by(PaymentAttemptRow.created_at.desc(), PaymentAttemptRow.id.desc()).limit(1))
    return row if row is not None and row.status == "requires_action" else None


def reconcile_in_doubt(ctx: Context) -> int:
    """Every attempt pending past the doubt threshold (start-up and the jobs loop)."""
    with ctx.db.reader() as s:
        ids = list(s.scalars(select(PaymentAttemptRow.id).where(
            PaymentAttemptRow.status == "pending",
            PaymentAttemptRow.created_at <= wall_clock() - DOUBT_AFTER)))
    for attempt_id in ids:
        try:
            reconcile(ctx, attempt_id)
        except Exception:  # one bad attempt must not stop the others; logged, retried later
            log.exception("could not reconcile payment attempt %s", attempt_id)
    return len(ids)
