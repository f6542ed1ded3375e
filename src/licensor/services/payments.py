"""The payment-processor interface, with a sandbox implementation.

Orders and subscriptions charge through `ctx.payments` (see `processor_for`). In sandbox mode
the card token `tok_visa` succeeds and `tok_declined` is declined (402 CARD_DECLINED), as in
Stripe's test mode. A Stripe implementation lives in `payments_stripe` (set
LICENSOR_STRIPE_SECRET_KEY).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

from licensor.domain.errors import LicensorError
from licensor.domain.money import Money


@dataclass(frozen=True)
class Charge:
    id: str
    amount: Money
    card_token: str


@dataclass(frozen=True)
class Refund:
    id: str
    charge_id: str
    amount: Money


class PaymentProcessor(Protocol):
    def charge(self, amount: Money, card_token: str, *, description: str,
               idempotency_key: str) -> Charge:
        """Charge a card; raises LicensorError CARD_DECLINED (402) when the card is refused."""

    def refund(self, charge_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        """Give money back on an earlier charge."""


def declined(card_token: str) -> LicensorError:
    return LicensorError("CARD_DECLINED", "The card was declined and nothing was charged; try "
                         "another card or ask your bank.", {"card_token": card_token})


class SandboxProcessor:
    """Deterministic test cards: `tok_visa` (and any `tok_*` but the declined ones) succeed."""

    DECLINED = frozenset({"tok_declined", "tok_chargeDeclined", "tok_insufficient_funds"})

    def charge(self, amount: Money, card_token: str, *, description: str,
               idempotency_key: str) -> Charge:
        if card_token in self.DECLINED or not card_token.startswith("tok_"):
            raise declined(card_token)
        charge_id = "ch_sandbox_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        return Charge(charge_id, amount, card_token)

    def refund(self, charge_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        refund_id = "re_sandbox_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        return Refund(refund_id, charge_id, amount)


def processor_for(ctx: object) -> PaymentProcessor:
    """The processor for this process: Stripe when configured, else the sandbox."""
    extras: dict[str, object] = ctx.extras  # type: ignore[attr-defined]
    processor = extras.get("payments")
    if processor is None:
        settings = ctx.settings  # type: ignore[attr-defined]
        if settings.stripe_secret_key:
            from licensor.services.payments_stripe import StripeProcessor

            processor = StripeProcessor(settings.stripe_secret_key)
        else:
            processor = SandboxProcessor()
        extras["payments"] = processor
    return processor  # type: ignore[return-value]


# -- money that moved in a transaction that then did not commit ---------------------------------

_COMPENSATIONS = "licensor.compensations"
log = logging.getLogger("licensor.payments")


def charge_in_transaction(ctx: object, session: Session, amount: Money, card_token: str, *,
                          description: str, idempotency_key: str) -> Charge:
    """Charge now, and refund by itself if `session` rolls back instead of committing (a later
    refusal in the same request, a failed commit): a customer is never charged for a change
    that did not happen."""
    processor = processor_for(ctx)
    charge = processor.charge(amount, card_token, description=description,
                              idempotency_key=idempotency_key)

    def give_back() -> None:
        processor.refund(charge.id, charge.amount, idempotency_key=f"{idempotency_key}:rollback")

    session.info.setdefault(_COMPENSATIONS, []).append(give_back)
    return charge


@event.listens_for(Session, "after_commit")
def _forget_compensations(session: Session) -> None:
    session.info.pop(_COMPENSATIONS, None)


@event.listens_for(Session, "after_rollback")
def _run_compensations(session: Session) -> None:
    pending: list[Callable[[], None]] = session.info.pop(_COMPENSATIONS, [])
    for give_back in pending:
        try:
            give_back()
        except Exception:  # the rollback itself must go on; an operator refunds by hand
            log.exception("could not refund a charge of a rolled-back transaction")
