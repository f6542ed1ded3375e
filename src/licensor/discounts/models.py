"""Coupons, their redemptions, and the desktop licenses already turned into credit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from licensor.core.db import Base, UTCDateTime


class CouponRow(Base):
    __tablename__ = "coupons"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40))  # as the vendor wrote it
    code_key: Mapped[str] = mapped_column(String(40), unique=True)  # upper case: one per code
    name: Mapped[str] = mapped_column(String(200))
    percent_off: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1/100 of a %
    amount_off: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # minor units
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)  # of amount_off
    products: Mapped[list[str]] = mapped_column(JSON)  # [] = every product
    kinds: Mapped[list[str]] = mapped_column(JSON)  # [] = every kind
    duration: Mapped[str] = mapped_column(String(16))  # once | repeating | forever
    duration_in_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_redemptions: Mapped[int | None] = mapped_column(Integer, nullable=True)
    times_redeemed: Mapped[int] = mapped_column(Integer, default=0)
    redeem_by: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    once_per_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    minimum_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    minimum_currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where it came from when Licensor made it (e.g. {"desktop_license_id": ...}).
    source: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RedemptionRow(Base):
    """One use of a coupon by an order or a subscription; `returned` after a refund."""

    __tablename__ = "coupon_redemptions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    coupon_id: Mapped[str] = mapped_column(String(40), index=True)
    subject_type: Mapped[str] = mapped_column(String(16))  # order | subscription
    subject_id: Mapped[str] = mapped_column(String(40))
    customer_key: Mapped[str] = mapped_column(String(320))  # lower-case email or account:<id>
    # Set (to customer_key) only while a once-per-customer coupon's use stands: the unique
    # constraint lets one customer hold one such use, also against two requests at once.
    exclusive_key: Mapped[str | None] = mapped_column(String(320), nullable=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # the discount given, minor units
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))  # redeemed | returned
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("coupon_id", "subject_type", "subject_id", name="uq_redemption_subject"),
        UniqueConstraint("coupon_id", "exclusive_key", name="uq_redemption_once_per_customer"),
    )


class LicenseCreditRow(Base):
    """A desktop license whose value became credit (on a site, or a plugin coupon): once per
    license, counted on the first license of its lineage so an upgrade does not renew it."""

    __tablename__ = "license_credits"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    lineage_root: Mapped[str] = mapped_column(String(36), unique=True)
    license_id: Mapped[str] = mapped_column(String(36))  # the license as it stood
    kind: Mapped[str] = mapped_column(String(16))  # site | plugin_coupon
    target_id: Mapped[str] = mapped_column(String(40))  # subscription id or coupon id
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
