"""The sandbox card processor: Stripe's test cards, with a ledger of its own.

Its records are committed in transactions of their own, independent of Licensor's, as a real
processor's are: a charge made just before Licensor's process dies stays charged, and
`GET /v1/sandbox/charges` shows what a vendor would reconcile against. `tok_visa` (and any
`tok_*` but the declined ones) succeeds; `tok_declined`, `tok_chargeDeclined` and
`tok_insufficient_funds` are declined (saved without a complaint, as before: the first charge
on them declines; Stripe itself refuses them already when saving). A saved card is the test
PaymentMethod of the same name (`tok_visa` → `pm_card_visa`), which declines when its token
would; `pm_card_…` ids are taken wherever a token is. `tok_chargeCustomerFail` (or
`pm_card_chargeCustomerFail`) saves, but every charge on it is declined. Stripe's country
test cards (`tok_de`, `pm_card_fr`, …) are cards issued in that country; its other test
cards (`tok_visa`, `tok_mastercard`, …) are US cards: each charge tells the card's country.

Its mode (`PUT /v1/sandbox/processor`, kept in the database so that every worker process sees
it) plays the processor's failures: `down` — every call fails before reaching it
(PROCESSOR_UNAVAILABLE, nothing happens); `lost_answers` — charges and refunds are made in the
ledger but their answers are lost as after a timeout (PAYMENT_UNCONFIRMED), and lookups
(reconciliation) cannot reach it either, until the mode is `normal` again.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pycountry
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from licensor.core.db import Database
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.core.payment_models import SandboxChargeRow, SandboxProcessorRow
from licensor.core.payment_processor import (
    Charge,
    PaymentSource,
    Refund,
    SavedCard,
    declined,
    unavailable,
    unconfirmed,
)

DECLINED = frozenset({"declined", "chargeDeclined", "insufficient_funds"})
# Saved without a complaint, declined on every charge (Stripe's `chargeCustomerFail`).
FAILS_LATER = frozenset({"chargeCustomerFail"})
MODES = ("normal", "down", "lost_answers")


def _card_name(source: PaymentSource) -> str | None:
    """The test card's name (`visa`), or None for something that is not a test card."""
    if source.saved is not None:
        pm = source.saved.payment_method_id
        return pm.removeprefix("pm_card_") if pm.startswith("pm_card_") else None
    token = source.card_token or ""
    if token.startswith("pm_card_"):
        return token.removeprefix("pm_card_") or None
    return token.removeprefix("tok_") if token.startswith("tok_") else None


def card_country(label: str) -> str | None:
    """The country of the test card a charge was made with (its token or PaymentMethod)."""
    name = _card_name(PaymentSource(card_token=label))
    if name is None:
        return None
    if len(name) == 2 and pycountry.countries.get(alpha_2=name.upper()) is not None:
        return name.upper()
    return "US"


def _id(prefix: str, key: str) -> str:
    return prefix + hashlib.sha256(key.encode()).hexdigest()[:24]


def mode(db: Database) -> str:
    with db.reader() as session:
        row = session.get(SandboxProcessorRow, 1)
        return row.mode if row is not None else "normal"


def set_mode(db: Database, new: str) -> str:
    if new not in MODES:
        raise LicensorError("INVALID_REQUEST", f"mode must be one of {', '.join(MODES)}.",
                            {"field": "mode"})
    with db.writer() as session:
        row = session.get(SandboxProcessorRow, 1, with_for_update=True)
        if row is None:
            session.add(SandboxProcessorRow(id=1, mode=new))
        else:
            row.mode = new
        try:
            session.commit()
        except IntegrityError:  # two first settings at once: the later one wins
            session.rollback()
            return set_mode(db, new)
    return new


class SandboxProcessor:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _reach(self) -> str:
        """The mode, raising PROCESSOR_UNAVAILABLE when it is down (nothing reaches it)."""
        now = mode(self.db)
        if now == "down":
            raise unavailable("the sandbox processor is down (PUT /v1/sandbox/processor)")
        return now

    def create_customer(self, email: str, *, idempotency_key: str) -> str:
        self._reach()
        return _id("cus_sandbox_", idempotency_key)

    def save_card(self, card_token: str, *, customer_id: str | None, email: str) -> SavedCard:
        self._reach()
        name = _card_name(PaymentSource(card_token=card_token))
        if not name:
            raise declined(card_token)
        return SavedCard(customer_id or _id("cus_sandbox_", email.lower()), f"pm_card_{name}")

    def charge(self, amount: Money, source: PaymentSource, *, description: str,
               idempotency_key: str, metadata: dict[str, str]) -> Charge:
        lost = self._reach() == "lost_answers"
        name = _card_name(source)
        if name is None or name in DECLINED or name in FAILS_LATER:
            raise declined(source.label)
        charge = self._record(amount, source, description=description,
                              idempotency_key=idempotency_key, metadata=metadata)
        if lost:
            raise unconfirmed("the sandbox processor loses its answers (lost_answers)")
        return charge

    def _record(self, amount: Money, source: PaymentSource, *, description: str,
                idempotency_key: str, metadata: dict[str, str]) -> Charge:
        found = self._find(idempotency_key)
        if found is not None:  # a repeated request answers the first charge, as Stripe does
            return found
        row = SandboxChargeRow(
            id=_id("ch_sandbox_", idempotency_key), idempotency_key=idempotency_key,
            amount=amount.amount, currency=amount.currency, status="succeeded",
            payment_method=source.label[:200],
            customer=source.saved.customer_id if source.saved else None,
            description=description[:300], meta=dict(metadata), created_at=datetime.now(UTC))
        with self.db.writer() as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:  # the same key at the same instant: one charge
                session.rollback()
                again = self._find(idempotency_key)
                assert again is not None
                return again
        return Charge(row.id, amount, card_country=card_country(row.payment_method))

    def find_charge(self, idempotency_key: str) -> Charge | None:
        if self._reach() == "lost_answers":
            raise unavailable("the sandbox processor loses its answers (lost_answers)")
        return self._find(idempotency_key)

    def _find(self, idempotency_key: str) -> Charge | None:
        with self.db.reader() as session:
            row = session.scalar(select(SandboxChargeRow).where(
                SandboxChargeRow.idempotency_key == idempotency_key))
            if row is None:
                return None
            return Charge(row.id, Money(row.amount, row.currency), row.status,
                          card_country(row.payment_method))

    def refund(self, charge_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        lost = self._reach() == "lost_answers"
        with self.db.writer() as session:
            row = session.get(SandboxChargeRow, charge_id, with_for_update=True)
            if row is None:
                raise LicensorError("PAYMENT_FAILED", "The processor has no such charge to "
                                    "refund; check the order's charge_id.",
                                    {"charge_id": charge_id}, status=409)
            if row.refund_id is None:
                row.status, row.refund_id = "refunded", _id("re_sandbox_", idempotency_key)
                row.refunded_at = datetime.now(UTC)
            refund_id = row.refund_id
            session.commit()
        if lost:
            raise unconfirmed("the sandbox processor loses its answers (lost_answers)",
                              what="refund")
        return Refund(refund_id, charge_id, amount)

    def ledger(self, *, limit: int, after: str | None) -> list[SandboxChargeRow]:
        """Charges oldest first; `after` is the id of the last charge of the previous page."""
        with self.db.reader() as session:
            query = select(SandboxChargeRow).order_by(SandboxChargeRow.created_at,
                                                      SandboxChargeRow.id)
            if after:
                last = session.get(SandboxChargeRow, after)
                if last is None:
                    raise LicensorError("INVALID_REQUEST", "cursor is not one this list "
                                        "returned; start again without it.", {"field": "cursor"})
                query = query.where(or_(SandboxChargeRow.created_at > last.created_at,
                                        and_(SandboxChargeRow.created_at == last.created_at,
                                             SandboxChargeRow.id > last.id)))
            return list(session.scalars(query.limit(limit)))
