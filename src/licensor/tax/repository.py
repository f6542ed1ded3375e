"""Queries of the vendor's rate changes, the taxed documents and the credit-note counter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from licensor.core.repository import next_in_sequence
from licensor.tax.models import CreditNoteCounterRow, TaxDocumentRow, TaxRateRow


class TaxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def recorded_rates(self) -> Sequence[TaxRateRow]:
        """The vendor's changes, oldest first (a later change on the same date wins)."""
        return self.session.scalars(select(TaxRateRow).order_by(TaxRateRow.id)).all()

    def document(self, document_id: str) -> TaxDocumentRow | None:
        return self.session.get(TaxDocumentRow, document_id)

    def documents_of_order(self, order_id: str, kind: str) -> Sequence[TaxDocumentRow]:
        return self.session.scalars(
            select(TaxDocumentRow).where(TaxDocumentRow.order_id == order_id,
                                         TaxDocumentRow.kind == kind)
            .order_by(TaxDocumentRow.issued_at, TaxDocumentRow.number)).all()

    def documents_of_subscription(self, subscription_id: str) -> Sequence[TaxDocumentRow]:
        return self.session.scalars(
            select(TaxDocumentRow).where(TaxDocumentRow.subscription_id == subscription_id)
            .order_by(TaxDocumentRow.issued_at)).all()

    def report(self, start: datetime, end: datetime) -> Sequence[tuple[
            str | None, str, str, str | None, int, int, int]]:
        """(country, treatment, currency, rate, net, tax, documents) over documents issued in
        [start, end), credit notes counting negative (their amounts are)."""
        key = (TaxDocumentRow.country, TaxDocumentRow.treatment, TaxDocumentRow.currency,
               TaxDocumentRow.rate)
        rows = self.session.execute(
            select(*key, func.sum(TaxDocumentRow.net), func.sum(TaxDocumentRow.tax),
                   func.count())
            .where(TaxDocumentRow.issued_at >= start, TaxDocumentRow.issued_at < end)
            .group_by(*key)).all()
        return [(c, t, cur, r, int(n or 0), int(x or 0), int(d)) for c, t, cur, r, n, x, d in rows]

    def next_credit_note_number(self) -> int:
        """The next credit-note number from a counter row locked until commit: a rolled-back
        refund gives its number back, so the sequence has no gaps."""
        return next_in_sequence(self.session, CreditNoteCounterRow)
