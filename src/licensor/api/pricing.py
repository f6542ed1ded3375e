"""Published upgrade prices of perpetual products."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from licensor.api.deps import ReadSession
from licensor.domain.errors import LicensorError
from licensor.domain.pricing import upgrade_table
from licensor.services import catalog

router = APIRouter(prefix="/v1/products", tags=["catalog"])


@router.get("/{code}/upgrade-prices")
def upgrade_prices(code: str, session: ReadSession) -> dict[str, Any]:
    product = catalog.get_product(session, code)
    if not product.is_perpetual or product.pricing is None:
        raise LicensorError("NOT_UPGRADABLE", f"{product.name} is not a perpetual license: "
                            "subscriptions change plan instead, and marketplace products are "
                            "upgraded on the marketplace.", {"product": product.code})
    return {"data": [{"from_seats": r.from_seats, "to_seats": r.to_seats,
                      "price": r.price.to_json()} for r in upgrade_table(product.pricing)]}
