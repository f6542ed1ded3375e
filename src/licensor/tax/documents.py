"""Taxed documents as issued: an invoice when an order is paid or a subscription charged, a
credit note (its own gapless CN- numbers) when an order is refunded, and the tax report that
adds them up per country, treatment, currency and rate."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from licensor.core import audit
from licensor.core.errors import LicensorError
from licensor.core.money import Money
from licensor.tax.models import TaxDocumentRow
from licensor.tax.repository import TaxRepository
from licensor.tax.rules import Treatment
from licensor.tax.schemas import CreditNote


def format_credit_note_number(n: int) -> str:
    return f"CN-{n:06d}"


@dataclass(frozen=True)
class Sale:
    """What a taxed document is about: its number, whose it is, its stored tax and currency."""

    number: str
    currency: str
    tax: dict[str, Any] | None  # as `service.assess` stored it; None: before tax existed
    total: int  # minor units, with the tax
    order_id: str | None = None
    subscription_id: str | None = None


def _amounts(sale: Sale) -> tuple[int, int]:
    if sale.tax is None:
        return sale.total, 0
    return int(sale.tax["subtotal"]), int(sale.tax["amount"])


def record_invoice(session: Session, sale: Sale, *, now: datetime) -> TaxDocumentRow:
    """The invoice of a paid sale, as the tax report counts it (issued when paid)."""
    net, tax = _amounts(sale)
    stored = sale.tax or {}
    row = TaxDocumentRow(
        id="txd_" + uuid.uuid4().hex, kind="invoice", number=sale.number,
        order_id=sale.order_id, subscription_id=sale.subscription_id,
        treatment=stored.get("treatment") or Treatment.NOT_COLLECTED.value,
        country=stored.get("country"), rate=stored.get("rate"), currency=sale.currency,
        net=net, tax=tax, vat_id=stored.get("vat_id"), evidence=stored.get("evidence") or {},
        issued_at=now)
    session.add(row)
    session.flush()
    return row


def issue_credit_note(session: Session, sale: Sale, *, now: datetime,
                      actor: str) -> TaxDocumentRow:
    """A refund's credit note: the sale's invoice with every amount negative, numbered from its
    own counter (a rolled-back refund gives its number back)."""
    net, tax = _amounts(sale)
    stored = sale.tax or {}
    number = format_credit_note_number(TaxRepository(session).next_credit_note_number())
    row = TaxDocumentRow(
        id="cn_" + uuid.uuid4().hex, kind="credit_note", number=number,
        order_id=sale.order_id, subscription_id=sale.subscription_id,
        treatment=stored.get("treatment") or Treatment.NOT_COLLECTED.value,
        country=stored.get("country"), rate=stored.get("rate"), currency=sale.currency,
        net=-net, tax=-tax, vat_id=stored.get("vat_id"),
        evidence={**(stored.get("evidence") or {}), "credits": sale.number}, issued_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="credit_note.issued", entity_type="credit_note",
                 entity_id=row.id, before=None,
                 after={"number": number, "credits": sale.number, "net": row.net,
                        "tax": row.tax, "currency": row.currency}, now=now)
    return row


def credit_note_view(row: TaxDocumentRow) -> dict[str, Any]:
    """The CreditNote answer: the row, with its amounts as Money."""
    return CreditNote.view(row, subtotal=Money(row.net, row.currency).to_json(),
                           tax=Money(row.tax, row.currency).to_json(),
                           total=Money(row.net + row.tax, row.currency).to_json(),
                           created_at=row.issued_at)


def credit_notes_of(session: Session, order_id: str) -> Sequence[TaxDocumentRow]:
    return TaxRepository(session).documents_of_order(order_id, "credit_note")


def invoice_of(session: Session, order_id: str) -> TaxDocumentRow | None:
    found = TaxRepository(session).documents_of_order(order_id, "invoice")
    return found[-1] if found else None


def get_credit_note(session: Session, credit_note_id: str) -> TaxDocumentRow:
    row = TaxRepository(session).document(credit_note_id[:64])
    if row is None or row.kind != "credit_note":
        raise LicensorError("CREDIT_NOTE_NOT_FOUND", f"No credit note {credit_note_id[:60]}; "
                            "an order's credit notes are listed as credit_notes on the order.",
                            {"credit_note_id": credit_note_id[:60]})
    return row


def report_range(start: str | None, end: str | None) -> tuple[date, date]:
    """from/to (YYYY-MM-DD, both included); 422 INVALID_REQUEST naming the wrong one."""
    days: list[date] = []
    for name, text in (("from", start), ("to", end)):
        try:
            days.append(date.fromisoformat(str(text or "")))
        except ValueError:
            raise LicensorError("INVALID_REQUEST", f"{name} must be a date, YYYY-MM-DD (both "
                                "days are included).", {"field": name}) from None
    if days[1] < days[0]:
        raise LicensorError("INVALID_REQUEST", "to must not be before from.", {"field": "to"})
    return days[0], days[1]


def tax_report(session: Session, start: date, end: date) -> list[dict[str, Any]]:
    """Net and tax per country, treatment, currency and rate over the invoices and credit notes
    issued from `start` to `end` (both days included, UTC); credit notes count negative."""
    begin = datetime.combine(start, time.min, tzinfo=UTC)
    finish = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    rows = TaxRepository(session).report(begin, finish)
    return [{"country": country, "treatment": treatment, "currency": currency, "rate": rate,
             "net": Money(net, currency).to_json(), "tax": Money(tax, currency).to_json(),
             "documents": count}
            for country, treatment, currency, rate, net, tax, count in sorted(
                rows, key=lambda r: (r[0] or "", r[1], r[2], r[3] or ""))]


def report_csv(rows: list[dict[str, Any]]) -> str:
    """The tax report as CSV, amounts in major units ("105.91") as a spreadsheet reads them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("country", "treatment", "currency", "rate", "net", "tax", "documents"))
    for row in rows:
        net = Money(row["net"]["amount"], row["currency"])
        tax = Money(row["tax"]["amount"], row["currency"])
        writer.writerow((row["country"] or "", row["treatment"], row["currency"],
                         row["rate"] or "", f"{net.decimal():.{net.digits}f}",
                         f"{tax.decimal():.{tax.digits}f}", row["documents"]))
    return out.getvalue()
