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
    # The card's issuing country (ISO 3166 alpha-2) when the processor tells it: tax evidence.
    card_country: str | None = None


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
    def create_customer(self, email: str, *, idempotency_key: str) -> str:
        """A Customer for one account; the same key answers the same Customer."""

    def save_card(self, card_token: str, *, customer_id: str | None, email: str) -> SavedCard:
        """Keep the card behind a single-use token for later (off-session) charges."""

    def charge(self, amount: Money, source: PaymentSource, *, description: str,
               idempotency_key: str, metadata: dict[str, str]) -> Charge:
        """Charge; the same key answers the same charge. Raises CARD_DECLINED (402, nothing
        charged), PROCESSOR_UNAVAILABLE (503, not reached: nothing charged) or
        PAYMENT_UNCONFIRMED (503, the answer was lost: it may have been charged)."""

    def find_charge(self, idempotency_key: str) -> Charge | None:
        """The charge made with this key, if any (reconciliation). Raises
        PROCESSOR_UNAVAILABLE when the processor cannot tell."""

    def refund(self, charge_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        """Give money back on an earlier charge; the same key answers the same refund. Raises
        PROCESSOR_UNAVAILABLE or PAYMENT_UNCONFIRMED as `charge` does."""


def declined(card: str, *, reason: str | None = None) -> LicensorError:
    return LicensorError("CARD_DECLINED", "The card was declined and nothing was charged; try "
                         "another card or ask your bank.",
                         {"card_token": card, **({"reason": reason} if reason else {})})


# Seconds a customer is asked to wait before trying again after the processor failed to
# answer; reconciliation runs at least this often while attempts are in doubt.
RETRY_AFTER_SECONDS = 30


def unavailable(why: str, *, done: str = "charged") -> LicensorError:
    """The processor could not be reached, so nothing can have been charged or refunded."""
    return LicensorError("PROCESSOR_UNAVAILABLE", "The card processor cannot be reached right "
                         f"now and nothing was {done}; please try again in a minute.",
                         {"reason": why}, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def unconfirmed(why: str, *, what: str = "payment") -> LicensorError:
    """The processor may have acted but its answer was lost (timeout, 5xx, cut connection)."""
    return LicensorError("PAYMENT_UNCONFIRMED", f"The card processor did not confirm this "
                         f"{what}; it is being checked and nothing will happen twice. Retry "
                         "the same request in a minute to see its outcome.",
                         {"reason": why}, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
