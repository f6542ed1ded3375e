"""The orders capability's named values, as rows store them and answers, pages and webhooks
show them (other capabilities compare with these, never with the bare text)."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"  # answered by no order today: payment and fulfilment are one step
    FULFILLED = "fulfilled"
    REFUNDED = "refunded"
    CANCELED = "canceled"


class QuoteKind(StrEnum):
    """The quote kinds Licensor registers (licensor.orders.quote_kinds: what each costs and
    what paying it does)."""
    NEW = "new"
    UPGRADE = "upgrade"
    RENEWAL = "renewal"
