"""What Licensor asks of a payment processor (Stripe, the sandbox), and what it answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from licensor.core.errors import LicensorError
from licensor.core.money import Money


@dataclass(frozen=True)
class Charge:
    id: str
    amount: Money
    status: str = "succeeded"  # succeeded | refunded


@dataclass(frozen=True)
class Refund:
    id: str
    charge_id: str
    amount: Money


@dataclass(frozen=True)
class SavedCard:
    """A card kept at the processor for later charges; Licensor never stores a card token."""

    customer_id: str
    payment_method_id: str


@dataclass(frozen=True)
class PaymentSource:
    """What to charge: a single-use card token from a checkout, or a saved card."""

    card_token: str | None = None
    saved: SavedCard | None = None
    off_session: bool = False  # the customer is not present (renewals)

    @property
    def label(self) -> str:
        if self.saved is not None:
            return self.saved.payment_method_id
        return self.card_token or ""


class PaymentProcessor(Protocol):
    def save_card(self, card_token: str, *, customer_id: str | None, email: str) -> SavedCard:
        """Keep the card behind a single-use token for later (off-session) charges."""

    def charge(self, amount: Money, source: PaymentSource, *, description: str,
               idempotency_key: str, metadata: dict[str, str]) -> Charge:
        """Charge; the same key answers the same charge. Raises CARD_DECLINED (402)."""

    def find_charge(self, idempotency_key: str) -> Charge | None:
        """The charge made with this key, if any (reconciliation)."""

    def refund(self, charge_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        """Give money back on an earlier charge; the same key answers the same refund."""


def declined(card: str) -> LicensorError:
    return LicensorError("CARD_DECLINED", "The card was declined and nothing was charged; try "
                         "another card or ask your bank.", {"card_token": card})
