"""The payment-processor interface, with a sandbox implementation.

Orders and subscriptions charge through `ctx.payments` (see `processor_for`). In sandbox mode
the card token `tok_visa` succeeds and `tok_declined` is declined (402 CARD_DECLINED), as in
Stripe's test mode. A Stripe implementation lives in `payments_stripe` (set
LICENSOR_STRIPE_SECRET_KEY).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

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
