"""Published upgrade prices of perpetual products."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from licensor.catalog import service as catalog
from licensor.catalog.schemas import UpgradePriceList
from licensor.core.errors import LicensorError
from licensor.core.web.deps import ReadSession
from licensor.core.web.openapi import LongLimit, refusals
from licensor.core.web.paging import page_of
from licensor.orders.rules import UpgradePrice, upgrade_table

router = APIRouter(prefix="/v1/products", tags=["catalog"])


@router.get("/{code}/upgrade-prices", operation_id="listUpgradePrices",
            response_model=UpgradePriceList,
            responses=refusals("UNKNOWN_PRODUCT", "NOT_UPGRADABLE"))
def upgrade_prices(code: str, session: ReadSession, limit: LongLimit = None,
                   cursor: str | None = Query(default=None, max_length=64)) -> dict[str, Any]:
    """Every published upgrade price (one page unless `limit` is given; the cursor is
    "<from_seats>-<to_seats>" of the last row, "unlimited" for an unlimited tier)."""
    product = catalog.get_product(session, code)
    if not product.is_perpetual or product.pricing is None:
        raise LicensorError("NOT_UPGRADABLE", f"{product.name} is not a perpetual license: "
                            "subscriptions change plan instead, and marketplace products are "
                            "upgraded on the marketplace.", {"product": product.code})
    page, next_cursor = page_of(upgrade_table(product.pricing), _row_key, limit, cursor)
    return {"data": [{"from_seats": r.from_seats, "to_seats": r.to_seats,
                      "price": r.price.to_json()} for r in page], "next_cursor": next_cursor}


def _row_key(row: UpgradePrice) -> str:
    return "-".join("unlimited" if s is None else str(s) for s in (row.from_seats, row.to_seats))
