"""The catalog in the database: default products on first start, admin create-or-replace."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from licensor.catalog.models import ProductRow
from licensor.catalog.repository import ProductRepository
from licensor.catalog.rules import Product, parse_product, product_to_json
from licensor.core import audit
from licensor.core.errors import LicensorError


def default_catalog() -> list[dict[str, Any]]:
    text = resources.files("licensor").joinpath("data/catalog.json").read_text("utf-8")
    products: list[dict[str, Any]] = json.loads(text)["products"]
    return products


def load_default(session: Session, now: datetime) -> int:
    """Load the default catalog into an empty database; a vendor's edits are never overwritten."""
    repo = ProductRepository(session)
    if repo.count():
        return 0
    for document in default_catalog():
        product = parse_product(document)
        session.add(ProductRow(code=product.code, document=product_to_json(product),
                               updated_at=now))
    session.flush()
    return len(default_catalog())


def get_product(session: Session, code: str) -> Product:
    row = ProductRepository(session).get(code)
    if row is None:
        raise LicensorError("UNKNOWN_PRODUCT", f"There is no product {code!r}; "
                            "GET /v1/products lists the catalog.", {"product": code})
    return parse_product(row.document)


def list_products(session: Session) -> list[Product]:
    return [parse_product(row.document) for row in ProductRepository(session).all()]


def put_product(session: Session, code: str, document: Any, *, now: datetime,
                actor: str) -> Product:
    product = parse_product(document, code)
    repo = ProductRepository(session)
    row = repo.get(code)
    before = row.document if row else None
    after = product_to_json(product)
    if row is None:
        session.add(ProductRow(code=code, document=after, updated_at=now))
    else:
        row.document, row.updated_at = after, now
    audit.record(session, actor=actor, action="product.put", entity_type="product",
                 entity_id=code, before=before, after=after, now=now)
    session.flush()
    return product


def put_products(session: Session, documents: list[Any], *, now: datetime,
                 actor: str) -> list[Product]:
    """Create or replace several products at once, all or none: every document is checked
    first, and one INVALID_CATALOG names every product and field to fix."""
    problems: list[dict[str, Any]] = []
    for index, document in enumerate(documents):
        try:
            parse_product(document)
        except LicensorError as exc:
            code = document.get("code") if isinstance(document, dict) else None
            problems.append({"index": index, "product": code, "message": exc.message,
                             **exc.details})
    if problems:
        raise LicensorError("INVALID_CATALOG", f"{len(problems)} product(s) of the catalog are "
                            "invalid; fix each field named and load it again (nothing was "
                            "changed).", {"errors": problems})
    return [put_product(session, document["code"], document, now=now, actor=actor)
            for document in documents]
