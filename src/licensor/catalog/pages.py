"""The front page and the price list."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from licensor.catalog import service as catalog
from licensor.catalog.rules import seats_text
from licensor.core.web.deps import ReadSession
from licensor.core.web.portal import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, session: ReadSession) -> Response:
    return render(request, "catalog/home.html", products=catalog.list_products(session),
                  seats_text=seats_text)


@router.get("/pricing")
def pricing(request: Request, session: ReadSession) -> Response:
    return render(request, "catalog/pricing.html", products=catalog.list_products(session),
                  seats_text=seats_text)
