from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from licensor.catalog import service as catalog
from licensor.catalog.rules import product_to_json
from licensor.catalog.schemas import PRODUCT_EXAMPLE, Product, ProductList
from licensor.core.web.deps import Admin, Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.openapi import LongLimit, refusals, typed_body
from licensor.core.web.paging import page_of

router = APIRouter(prefix="/v1/products", tags=["catalog"])


@router.get("", operation_id="listProducts", response_model=ProductList)
def list_products(session: ReadSession, limit: LongLimit = None,
                  cursor: str | None = Query(default=None, max_length=64)) -> dict[str, Any]:
    """Every product (all on one page unless `limit` is given; `cursor` is a product code)."""
    page, next_cursor = page_of(catalog.list_products(session), lambda p: p.code, limit, cursor)
    return {"data": [product_to_json(p) for p in page], "next_cursor": next_cursor}


@router.get("/{code}", operation_id="getProduct",
            response_model=Product, responses=refusals("UNKNOWN_PRODUCT"))
def get_product(code: str, session: ReadSession) -> dict[str, Any]:
    return product_to_json(catalog.get_product(session, code))


# The document is checked by the catalog's own rules (each field to fix named in one
# INVALID_CATALOG); its shape is a product's, as GET answers it.
@router.put("/{code}", operation_id="putProduct",
            response_model=Product, responses=refusals("INVALID_CATALOG"),
            openapi_extra=typed_body("Product", lambda: Product))
def put_product(code: str, ctx: Ctx, session: WriteSession, admin: Admin,
                document: Annotated[dict[str, Any], Body(examples=[PRODUCT_EXAMPLE])]
                ) -> dict[str, Any]:
    product = catalog.put_product(session, code, document, now=now_for(ctx, session), actor=admin)
    return product_to_json(product)
