"""The vendor's rate changes, every taxed document issued (the tax report's rows), and the
counter that numbers credit notes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from licensor.core.db import Base, UTCDateTime


class TaxRateRow(Base):
    """A rate the vendor recorded (PUT /v1/tax-rates/{country}); the shipped ones are data."""

    __tablename__ = "tax_rates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    rate: Mapped[str] = mapped_column(String(8))  # percent as text: "19", "25.5"
    effective_from: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))


class TaxDocumentRow(Base):
    """An invoice (an order paid, a subscription charged) or a credit note (a refund), with
    the tax it carried and the evidence of the buyer's country: what the tax report adds up.
    A credit note's amounts are negative."""

    __tablename__ = "tax_documents"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # invoice | credit_note
    number: Mapped[str] = mapped_column(String(40), index=True)
    order_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    subscription_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    treatment: Mapped[str] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    rate: Mapped[str | None] = mapped_column(String(8), nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    net: Mapped[int] = mapped_column(BigInteger)  # minor units
    tax: Mapped[int] = mapped_column(BigInteger)
    vat_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # {buyer_country, card_country, ip_address}: the EU asks for two pieces that agree.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class CreditNoteCounterRow(Base):
    """One row; locking it hands out credit-note numbers without gaps, as for orders."""

    __tablename__ = "credit_note_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
