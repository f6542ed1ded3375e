"""The vendor's coupons (admin): create, list, look up by code (any case), disable or enable."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from licensor.core.web.deps import (
    NO_NUL,
    Admin,
    Ctx,
    ReadSession,
    WriteSession,
    now_for,
    page_limit,
)
from licensor.core.web.openapi import Limit, refusals
from licensor.core.web.paging import fetch_size, keyset_page
from licensor.discounts import service as discounts
from licensor.discounts.schemas import Coupon, CouponCreate, CouponList, CouponPatch

router = APIRouter(prefix="/v1/coupons", tags=["coupons"])
Code = Annotated[str, Path(max_length=64, pattern=NO_NUL)]
Cursor = Annotated[str | None, Query(max_length=64, pattern=NO_NUL,
                                     description="next_cursor of the previous page")]


@router.post("", operation_id="createCoupon",
             status_code=201, response_model=Coupon, responses=refusals("COUPON_EXISTS"))
def create_coupon(body: CouponCreate, ctx: Ctx, session: WriteSession,
                  admin: Admin) -> dict[str, Any]:
    """A new coupon. Its code is case-insensitive: SPRING20 and spring20 are one coupon (409
    COUPON_EXISTS). Products are checked against the catalog (422 naming the field)."""
    row = discounts.add_coupon(session, body.terms(), now=now_for(ctx, session), actor=admin)
    return discounts.coupon_json(row)


@router.get("", operation_id="listCoupons", response_model=CouponList)
def list_coupons(session: ReadSession, _admin: Admin, limit: Limit = None,
                 cursor: Cursor = None) -> dict[str, Any]:
    """Every coupon, newest first."""
    size = page_limit(limit)
    rows = discounts.listing(session, fetch_size(size), cursor)
    page, next_cursor = keyset_page(rows, size, lambda r: r.id)
    return {"data": [discounts.coupon_json(r) for r in page], "next_cursor": next_cursor}


@router.get("/{code}", operation_id="getCoupon",
            response_model=Coupon, responses=refusals("UNKNOWN_COUPON"))
def get_coupon(code: Code, session: ReadSession, _admin: Admin) -> dict[str, Any]:
    return discounts.coupon_json(discounts.get_coupon(session, code))


@router.patch("/{code}", operation_id="updateCoupon",
              response_model=Coupon, responses=refusals("UNKNOWN_COUPON"))
def update_coupon(code: Code, body: CouponPatch, ctx: Ctx, session: WriteSession,
                  admin: Admin) -> dict[str, Any]:
    """`active: false` refuses the coupon from now on (COUPON_EXPIRED); quotes already priced
    with it keep their price. `active: true` makes it usable again."""
    row = discounts.set_active(session, code, body.active, now=now_for(ctx, session),
                               actor=admin)
    return discounts.coupon_json(row)
