"""The console's catalog: the products as they stand; one product's JSON edited in the page,
the catalog's validation errors shown next to it, and a preview of what the change does to list
and upgrade prices (and how many open quotes keep the old ones) before Save."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from licensor.catalog import service as catalog
from licensor.catalog.rules import Product, parse_product, product_to_json
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.web import console
from licensor.core.web.console import Staff, StaffAdmin
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.portal import Form, redirect
from licensor.orders import service as orders
from licensor.staff.catalog.preview import preview

router = APIRouter(include_in_schema=False)
MAX_DOCUMENT = 200_000


@router.get("/admin/catalog")
def products(request: Request, session: ReadSession, _staff: Staff) -> Response:
    return console.render(request, "admin/catalog.html", products=catalog.list_products(session),
                          saved=request.query_params.get("saved", ""))


def _existing(session: Session, code: str) -> Product | None:
    try:
        return catalog.get_product(session, code)
    except LicensorError:
        return None


def _edit(request: Request, code: str, text: str, *, errors: dict[str, str] | None = None,
          result: Any = None, status: int = 200, exists: bool = True) -> Response:
    return console.render(request, "admin/product.html", status=status, code=code,
                          document=text, errors=errors or {}, preview=result, exists=exists)


@router.get("/admin/catalog/{code}")
def edit(request: Request, session: ReadSession, _staff: Staff, code: str) -> Response:
    product = catalog.get_product(session, code)
    return _edit(request, code, json.dumps(product_to_json(product), indent=2,
                                           ensure_ascii=False))


def _parse(code: str, text: str) -> Product:
    """The edited product; 422 INVALID_CATALOG (the catalog's own validation) otherwise."""
    if len(text) > MAX_DOCUMENT:
        raise LicensorError("INVALID_CATALOG", "The product's JSON is too long (at most "
                            f"{MAX_DOCUMENT:,} characters).", {"field": "document"})
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LicensorError("INVALID_CATALOG", f"This is not valid JSON: {exc.msg} at line "
                            f"{exc.lineno}, column {exc.colno}.", {"field": "document"}) from None
    return parse_product(document, code)


def _preview_page(request: Request, ctx: Context, session: Session, code: str,
                  text: str) -> Response:
    try:
        product = _parse(code, text)
    except LicensorError as exc:
        return _edit(request, code, text, status=exc.status,
                     errors={"document": exc.message, "_code": exc.code})
    result = preview(_existing(session, code), product,
                     orders.open_quotes(session, code, ctx.clock.now(session)))
    return _edit(request, code, text, result=result)


@router.post("/admin/catalog/{code}/preview")
def preview_change(request: Request, ctx: Ctx, session: ReadSession, _member: StaffAdmin,
                   form: Form, code: str) -> Response:
    return _preview_page(request, ctx, session, code, form.get("document", ""))


@router.post("/admin/catalog/{code}")
def save(request: Request, ctx: Ctx, session: WriteSession, member: StaffAdmin, form: Form,
         code: str) -> Response:
    text = form.get("document", "")
    try:
        document = _parse(code, text)
        catalog.put_product(session, code, product_to_json(document),
                            now=now_for(ctx, session), actor=member.actor)
    except LicensorError as exc:
        return _edit(request, code, text, status=exc.status,
                     errors={"document": exc.message, "_code": exc.code})
    return redirect(request, f"/admin/catalog?saved={code}")
