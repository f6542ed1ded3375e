"""Quotes, orders, payment, refunds over HTTP (docs/orders.md tells the vendor's side)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from licensor.core.web.clients import client_address
from licensor.core.web.deps import (
    Admin,
    Ctx,
    ReadSession,
    WriteSession,
    bearer_token,
    now_for,
    page_limit,
)
from licensor.core.web.openapi import Cursor, Limit, refusals, typed_body
from licensor.core.web.paging import fetch_size, keyset_page
from licensor.orders import refunds
from licensor.orders import service as orders
from licensor.orders.pricing import policies as pricing_policies
from licensor.orders.quotes import kinds as quote_kinds
from licensor.orders.quotes import service as quotes
from licensor.orders.repository import OrderRepository
from licensor.orders.schemas import Order, OrderList, Quote, order_view, quote_view

router = APIRouter(tags=["orders"])


Short = Annotated[str, Field(max_length=500)]


class Buyer(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=320)
    company: str | None = Field(default=None, max_length=200)
    address: str | dict[str, Short] | None = Field(default=None, max_length=1000)
    po_number: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, max_length=2, description="ISO 3166 alpha-2; "
                                "required when the vendor collects tax")
    vat_id: str | None = Field(default=None, max_length=40, description="A business's VAT ID")


class OrderCreate(BaseModel):
    quote_id: str = Field(max_length=64)
    buyer: Buyer
    payment_method: Literal["card", "invoice"]
    license_name: str | None = Field(default=None, max_length=200)

    model_config = {"json_schema_extra": {"examples": [
        {"quote_id": "quo_3kP9", "payment_method": "card",
         "buyer": {"name": "Ana Diaz", "email": "ana@acme.example", "company": "Acme Inc"}}]}}


class PayBody(BaseModel):
    card_token: str = Field(min_length=1, max_length=255)

    model_config = {"json_schema_extra": {"examples": [{"card_token": "tok_visa"}]}}


class RefundBody(BaseModel):
    force: bool = False

    model_config = {"json_schema_extra": {"examples": [{"force": False}]}}


QUOTE_EXAMPLES = [
    {"kind": "new", "product": "desktop", "seats": 5},
    {"kind": "upgrade", "license_name": "Acme Inc", "license_key": "...", "seats": 10},
    {"kind": "renewal", "license_name": "Acme Inc", "license_key": "..."},
    {"kind": "new", "product": "confluence-server", "seats": 25, "academic": True,
     "institution": "University of Bologna"},
    {"kind": "new", "product": "desktop", "seats": 3,
     "companion": {"license_name": "Acme Inc", "license_key": "..."}},
    {"kind": "new", "product": "desktop", "seats": 1,
     "customer": {"country": "DE", "vat_id": "DE136695976"}}]


@router.post("/v1/quotes", operation_id="createQuote",
             status_code=201, response_model=Quote, responses=refusals(
    "UPGRADE_NOT_LARGER", "UPGRADE_VIA_MARKETPLACE", "SOLD_BY_MARKETPLACE", "SINGLE_USER_ONLY",
    "NOT_UPGRADABLE", "NO_MAINTENANCE", "LICENSE_SUPERSEDED", "LICENSE_REVOKED",
    "INVALID_LICENSE", "INVALID_TIER", "INVALID_SEATS", "UNKNOWN_PRODUCT", "UNKNOWN_COUPON",
    "COUPON_NOT_APPLICABLE", "COUPON_EXPIRED", "COUPON_EXHAUSTED",
    "ACADEMIC_NOT_AVAILABLE", "COMPANION_NOT_ELIGIBLE", "INVALID_VAT_ID", "TAX_RATE_MISSING",
    "CURRENCY_NOT_OFFERED"),
    # Public; a customer's token only for a companion price through their site. The body is
    # parsed by its kind (quotes.create_quote: a missing or unknown kind is told as such).
    openapi_extra={"security": [{}, {"AccountToken": []}],
                   **typed_body("QuoteRequest", quote_kinds.request_type)})
def create_quote(ctx: Ctx, session: WriteSession, request: Request,
                 body: Annotated[dict[str, Any], Body(examples=QUOTE_EXAMPLES)]
                 ) -> dict[str, Any]:
    body = pricing_policies.with_bearer(body, bearer_token(request))
    row = quotes.create_quote(ctx, session, body, now=now_for(ctx, session))
    return quote_view(row)


@router.get("/v1/quotes/{quote_id}", operation_id="getQuote",
            response_model=Quote, responses=refusals("QUOTE_NOT_FOUND"))
def get_quote(quote_id: str, session: ReadSession) -> dict[str, Any]:
    return quote_view(quotes.get_quote(session, quote_id))


@router.post("/v1/orders", operation_id="createOrder",
             status_code=201, response_model=Order, responses=refusals(
    "QUOTE_NOT_FOUND", "QUOTE_EXPIRED", "QUOTE_ALREADY_ORDERED", "PAYMENT_METHOD_NOT_ALLOWED",
    "COUPON_ALREADY_USED", "COUPON_EXHAUSTED", "COUNTRY_REQUIRED", "INVALID_VAT_ID",
    "TAX_RATE_MISSING"))
def create_order(body: OrderCreate, ctx: Ctx, session: WriteSession,
                 request: Request) -> dict[str, Any]:
    row = orders.create_order(ctx, session, quote_id=body.quote_id,
                              buyer=body.buyer.model_dump(), payment_method=body.payment_method,
                              license_name=body.license_name, now=now_for(ctx, session),
                              client_address=client_address(request))
    view = order_view(session, row)
    return view


@router.get("/v1/orders", operation_id="listOrders", response_model=OrderList)
def list_orders(session: ReadSession, _admin: Admin, status: str | None = None,
                email: str | None = None, limit: Limit = None,
                cursor: Cursor = None) -> dict[str, Any]:
    size = page_limit(limit)
    rows = OrderRepository(session).search(status=status, email=email, limit=fetch_size(size),
                                           after_number=cursor)
    page, next_cursor = keyset_page(rows, size, lambda r: r.number)
    return {"data": [order_view(session, r) for r in page], "next_cursor": next_cursor}


@router.get("/v1/orders/{order_id}", operation_id="getOrder",
            response_model=Order, responses=refusals("ORDER_NOT_FOUND"))
def get_order(order_id: str, session: ReadSession, _admin: Admin) -> dict[str, Any]:
    return order_view(session, orders.get_order(session, order_id))


@router.post("/v1/orders/{order_id}/pay", operation_id="payOrder",
             response_model=Order, responses=refusals(
    "ORDER_NOT_FOUND", "ORDER_NOT_PAYABLE", "CARD_DECLINED", "PAYMENT_FAILED",
    "PAYMENT_ACTION_REQUIRED", "PAYMENT_IN_PROGRESS", "PAYMENT_INTERRUPTED", "QUOTE_STALE",
    "COUPON_EXHAUSTED", "COUPON_ALREADY_USED", "PROCESSOR_UNAVAILABLE", "PAYMENT_UNCONFIRMED"))
def pay(order_id: str, body: PayBody, ctx: Ctx, session: WriteSession) -> dict[str, Any]:
    row = orders.pay(ctx, session, order_id, body.card_token, now=now_for(ctx, session))
    view = order_view(session, row)
    return view


@router.post("/v1/orders/{order_id}/mark-paid", operation_id="markOrderPaid", response_model=Order,
             responses=refusals("ORDER_NOT_FOUND", "ORDER_NOT_PAYABLE", "QUOTE_STALE",
                                "COUPON_EXHAUSTED", "COUPON_ALREADY_USED"))
def mark_paid(order_id: str, ctx: Ctx, session: WriteSession, admin: Admin) -> dict[str, Any]:
    row = orders.mark_paid(ctx, session, order_id, now=now_for(ctx, session), actor=admin)
    view = order_view(session, row)
    return view


@router.post("/v1/orders/{order_id}/refund", operation_id="refundOrder",
             response_model=Order, responses=refusals(
    "ORDER_NOT_FOUND", "ORDER_NOT_REFUNDABLE", "REFUND_WINDOW_PASSED", "PAYMENT_FAILED",
    "PROCESSOR_UNAVAILABLE", "PAYMENT_UNCONFIRMED", "PAYMENT_IN_PROGRESS"))
def refund(order_id: str, ctx: Ctx, session: WriteSession, admin: Admin,
           body: RefundBody | None = None) -> dict[str, Any]:
    row = refunds.refund(ctx, session, order_id, now=now_for(ctx, session), actor=admin,
                        force=bool(body and body.force))
    view = order_view(session, row)
    return view


@router.post("/v1/orders/{order_id}/cancel", operation_id="cancelOrder", response_model=Order,
             responses=refusals("ORDER_NOT_FOUND", "ORDER_NOT_PAYABLE"))
def cancel(order_id: str, ctx: Ctx, session: WriteSession, admin: Admin) -> dict[str, Any]:
    row = refunds.cancel(ctx, session, order_id, now=now_for(ctx, session), actor=admin)
    view = order_view(session, row)
    return view
