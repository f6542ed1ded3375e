"""Queries of coupons, redemptions and license credits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from licensor.discounts.models import CouponRow, LicenseCreditRow, RedemptionRow
from licensor.discounts.rules import code_key


class CouponRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_code(self, code: str, *, for_update: bool = False) -> CouponRow | None:
        query = select(CouponRow).where(CouponRow.code_key == code_key(code))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query.execution_options(populate_existing=for_update)
                                    ).first()

    def get(self, coupon_id: str, *, fresh: bool = False) -> CouponRow | None:
        """The coupon by id; `fresh` reloads a row the session already holds."""
        return self.session.get(CouponRow, coupon_id, populate_existing=fresh)

    def listing(self, limit: int, after: str | None = None) -> Sequence[CouponRow]:
        """Newest first by id order of creation (ids sort by time: see service.new_id)."""
        query = select(CouponRow).order_by(CouponRow.id.desc()).limit(limit)
        if after:
            query = query.where(CouponRow.id < after)
        return self.session.scalars(query).all()

    def take_one(self, coupon_id: str) -> bool:
        """Count one redemption unless the coupon is used up: one conditional UPDATE, so of
        two payers racing for the last use exactly one gets it (on every database)."""
        result = self.session.execute(
            update(CouponRow).where(
                CouponRow.id == coupon_id,
                (CouponRow.max_redemptions.is_(None))
                | (CouponRow.times_redeemed < CouponRow.max_redemptions))
            .values(times_redeemed=CouponRow.times_redeemed + 1)
            .execution_options(synchronize_session=False))
        return bool(getattr(result, "rowcount", 0))

    def give_one_back(self, coupon_id: str) -> None:
        self.session.execute(
            update(CouponRow).where(CouponRow.id == coupon_id, CouponRow.times_redeemed > 0)
            .values(times_redeemed=CouponRow.times_redeemed - 1)
            .execution_options(synchronize_session=False))

    def standing_use(self, coupon_id: str, customer_key: str) -> RedemptionRow | None:
        return self.session.scalars(select(RedemptionRow).where(
            RedemptionRow.coupon_id == coupon_id, RedemptionRow.customer_key == customer_key,
            RedemptionRow.status == "redeemed")).first()

    def used_by_subject(self, coupon_id: str, subject_type: str, subject_id: str) -> bool:
        """Was the coupon ever redeemed for this subject (given back or not)?"""
        return self.session.scalars(select(RedemptionRow.id).where(
            RedemptionRow.coupon_id == coupon_id, RedemptionRow.subject_type == subject_type,
            RedemptionRow.subject_id == subject_id)).first() is not None

    def redemption_of(self, subject_type: str, subject_id: str) -> RedemptionRow | None:
        return self.session.scalars(select(RedemptionRow).where(
            RedemptionRow.subject_type == subject_type, RedemptionRow.subject_id == subject_id,
            RedemptionRow.status == "redeemed")).first()

    def redemptions(self, coupon_id: str) -> Sequence[RedemptionRow]:
        return self.session.scalars(select(RedemptionRow).where(
            RedemptionRow.coupon_id == coupon_id).order_by(RedemptionRow.created_at)).all()


class CreditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_lineage(self, lineage_root: str) -> LicenseCreditRow | None:
        return self.session.scalars(select(LicenseCreditRow).where(
            LicenseCreditRow.lineage_root == lineage_root)).first()
