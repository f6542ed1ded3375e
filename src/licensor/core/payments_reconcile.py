"""Reconciliation: settling payment attempts whose outcome Licensor does not know.

An attempt is in doubt when its process died between committing it and settling it
(`pending` past the doubt threshold) or when the processor's answer was lost (`unconfirmed`).
`reconcile` asks the processor by the attempt's key whether money moved, then fulfils
(orders, through the fulfiller registered for its purpose) or refunds (everything else,
whose request is simply retried), or marks it `abandoned` when nothing was charged. It runs
at start-up, in the jobs loop, from `licensor jobs run`, and whenever a payer finds the
attempt in its way, so a retried request gets its final answer soon after the processor
answers again.

`paid_later` is the same decision for a charge the processor reports on its own (Stripe's
`payment_intent.succeeded` webhook) for an attempt Licensor had stopped waiting for.

Import it through `licensor.core.payments`, which re-exports it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from licensor.core.clock import wall_clock
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.core.payment_models import PaymentAttemptRow
from licensor.core.payment_processor import Charge
from licensor.core.payments import (
    DOUBT_AFTER,
    IN_DOUBT,
    PAID_LATER,
    _close,
    processor_for,
    refund_attempt,
)

if TYPE_CHECKING:
    from licensor.core.context import Context

log = logging.getLogger("licensor.payments")

Fulfiller = Callable[["Context", Session, PaymentAttemptRow, Charge], None]
_FULFILLERS: dict[str, Fulfiller] = {}


def fulfiller(purpose: str) -> Callable[[Fulfiller], Fulfiller]:
    """Register how a paid attempt of `purpose` is fulfilled after its payer stopped waiting;
    it raises LicensorError when that is no longer possible (the money then goes back)."""
    def register(fn: Fulfiller) -> Fulfiller:
        _FULFILLERS[purpose] = fn
        return fn
    return register


Settler = Callable[["Context", str], str]
_SETTLERS: dict[str, Settler] = {}


def settler(purpose: str) -> Callable[[Settler], Settler]:
    """Register how an attempt of `purpose` that is not a charge (a refund) is settled when in
    doubt: `fn(ctx, attempt_id) -> status`, raising PROCESSOR_UNAVAILABLE to stay in doubt."""
    def register(fn: Settler) -> Settler:
        _SETTLERS[purpose] = fn
        return fn
    return register


def reconcile(ctx: Context, attempt_id: str) -> str:
    """Settle an attempt in doubt by asking the processor what happened; returns its status.
    Raises PROCESSOR_UNAVAILABLE when the processor cannot tell (it stays in doubt)."""
    with ctx.db.reader() as s:
        row = s.get(PaymentAttemptRow, attempt_id)
        if row is None or row.status not in IN_DOUBT:
            return row.status if row is not None else "missing"
        key, purpose = row.processor_key, row.purpose
    if purpose in _SETTLERS:
        return _SETTLERS[purpose](ctx, attempt_id)
    charge = processor_for(ctx).find_charge(key)
    if charge is None or charge.status == "refunded":
        with ctx.db.writer() as s:
            row = s.get(PaymentAttemptRow, attempt_id, with_for_update=True)
            assert row is not None
            if row.status in IN_DOUBT:
                _close(s, attempt_id, "abandoned" if charge is None else "refunded",
                       charge_id=charge.id if charge else None)
            status = row.status
            s.commit()
        return status
    return _fulfil_or_refund(ctx, attempt_id, charge, IN_DOUBT)


def paid_later(ctx: Context, processor_key: str, charge_id: str) -> str:
    """The processor reports money taken for an attempt in PAID_LATER (Stripe's webhook): fulfil
    what it was for if that is still possible, else give the money back. Returns the status."""
    with ctx.db.reader() as s:
        row = s.scalar(select(PaymentAttemptRow).where(
            PaymentAttemptRow.processor_key == processor_key))
        if row is None or row.status not in PAID_LATER:
            return row.status if row is not None else "missing"
        attempt_id, charge = row.id, Charge(charge_id, Money(row.amount, row.currency))
    return _fulfil_or_refund(ctx, attempt_id, charge, PAID_LATER)


def _fulfil_or_refund(ctx: Context, attempt_id: str, charge: Charge,
                      settleable: tuple[str, ...]) -> str:
    """A charge was made for this attempt: fulfil what it paid for, or refund it."""
    with ctx.db.writer() as s:
        row = s.get(PaymentAttemptRow, attempt_id, with_for_update=True)
        assert row is not None
        if row.status not in settleable:
            return row.status
        fulfil = _FULFILLERS.get(row.purpose)
        if fulfil is not None:
            try:
                with s.begin_nested():
                    fulfil(ctx, s, row, charge)
            except LicensorError as exc:
                log.info("paid attempt %s cannot be fulfilled (%s); refunding", row.id, exc.code)
            else:
                _close(s, attempt_id, "succeeded", charge_id=charge.id)
                s.commit()
                log.warning("reconciled payment %s: fulfilled", attempt_id)
                return "succeeded"
        s.rollback()
    refund_attempt(ctx, attempt_id, charge)
    log.warning("reconciled payment %s: refunded", attempt_id)
    return "refunded"


# How long an attempt found without a charge is asked about again: a processor's search can
# lag a little behind its charges (Stripe's, by up to a minute).
RECHECK_ABANDONED = timedelta(minutes=10)


def reconcile_in_doubt(ctx: Context) -> int:
    """Every attempt in doubt: pending past the doubt threshold, or unconfirmed (start-up, the
    jobs loop, `licensor jobs run`); and recently abandoned ones, whose charge may show up
    late. Returns how many were settled."""
    _recheck_abandoned(ctx)
    with ctx.db.reader() as s:
        ids = list(s.scalars(select(PaymentAttemptRow.id).where(or_(
            PaymentAttemptRow.status == "unconfirmed",
            and_(PaymentAttemptRow.status == "pending",
                 PaymentAttemptRow.created_at <= wall_clock() - DOUBT_AFTER)))
            .order_by(PaymentAttemptRow.created_at)))
    settled = 0
    for attempt_id in ids:
        try:
            settled += reconcile(ctx, attempt_id) not in IN_DOUBT
        except LicensorError as exc:  # the processor cannot tell yet: the next run asks again
            log.info("payment attempt %s stays in doubt: %s", attempt_id, exc.code)
        except Exception:  # one bad attempt must not stop the others; logged, retried later
            log.exception("could not reconcile payment attempt %s", attempt_id)
    return settled


def _recheck_abandoned(ctx: Context) -> None:
    with ctx.db.reader() as s:
        rows = [(r.processor_key, r.id) for r in s.scalars(select(PaymentAttemptRow).where(
            PaymentAttemptRow.status == "abandoned",
            PaymentAttemptRow.purpose.not_in(list(_SETTLERS)),
            PaymentAttemptRow.settled_at >= wall_clock() - RECHECK_ABANDONED))]
    for key, attempt_id in rows:
        try:
            charge = processor_for(ctx).find_charge(key)
            if charge is not None and charge.status == "succeeded":
                log.warning("a charge showed up for abandoned attempt %s", attempt_id)
                paid_later(ctx, key, charge.id)
        except LicensorError as exc:  # asked again at the next run while the window lasts
            log.info("could not recheck abandoned payment attempt %s: %s", attempt_id, exc.code)
        except Exception:
            log.exception("could not recheck abandoned payment attempt %s", attempt_id)
