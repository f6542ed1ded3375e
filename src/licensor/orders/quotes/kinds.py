"""The registry of quote kinds: what a quote of each kind costs and what paying it does.

A *quote kind* ("new", "upgrade", "renewal", ...) plugs into quotes and orders without the
orders code knowing it. Register one from a capability's service module (licensor/capabilities.py
imports them all), e.g. in maintenance/renewals.py:

    from licensor.orders.quotes.kinds import QuoteDraft, QuoteLine, register_quote_kind

    class RenewalBody(BaseModel):            # validates the POST /v1/quotes body of this kind
        kind: Literal["renewal"]
        license_name: str = Field(max_length=1000)
        license_key: str = Field(max_length=4096)

    class Renewal:
        body_model = RenewalBody
        def build(self, ctx, session, body, now) -> QuoteDraft: ...
        def fulfil(self, ctx, session, order, quote, now) -> LicenseRow: ...
        def refund(self, ctx, session, order, quote, now) -> None: ...

    register_quote_kind("renewal", Renewal())

The contract:

- `body_model` (a pydantic model) validates the request body first; a bad body is 422
  INVALID_REQUEST naming the field. `build` receives `body` as the model's `model_dump()`.
- `build(ctx, session, body, now) -> QuoteDraft` prices the request at `now` and raises a
  coded LicensorError for every refusal. It must not change state. For a quote about an
  existing license, set `license_id` and `license_version` (the row's `version` column now):
  payment refuses the order with 409 QUOTE_STALE, before charging, if the license's version
  has changed since (so every change to a license must bump `licenses.version`).
- `fulfil(ctx, session, order, quote, now) -> LicenseRow` is called exactly once, inside the
  transaction that records the payment, after the charge succeeded. When the quote has a
  license_id the orders service has already locked that row (SELECT ... FOR UPDATE) and
  checked its version; `licenses.get_license(session, id, for_update=True)` returns the same
  row. Return the license as it now stands (the one whose License Information the buyer
  gets). Do the change, audit it, emit your own events; the orders service then mails the
  returned license's License Information to the buyer, records the order as fulfilled and
  emits "order.fulfilled" (order=, quote=). It must not commit.
- `refund(ctx, session, order, quote, now)` undoes the fulfilment (revoke, restore...) inside
  the refund transaction, or raises 409 ORDER_NOT_REFUNDABLE explaining why. The orders
  service checks the refund window (LICENSOR_REFUND_WINDOW_DAYS) and gives the money back through the payment processor;
  the kind only handles licenses. Only called for fulfilled orders.

`order` is a `licensor.orders.models.OrderRow`, `quote` a `QuoteRow`; `quote.details`
is the JSON dict of the draft's `details` (kind-specific facts to remember until payment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from pydantic import BaseModel, Field, ValidationError, WithJsonSchema
from sqlalchemy.orm import Session

from licensor.catalog.rules import MAX_SEATS
from licensor.core.errors import LicensorError
from licensor.core.money import Money

if TYPE_CHECKING:
    from licensor.core.context import Context
    from licensor.licenses.service import LicenseRow


@dataclass(frozen=True)
class QuoteLine:
    description: str
    amount: Money

    def to_json(self) -> dict[str, Any]:
        return {"description": self.description, "amount": self.amount.to_json()}


@dataclass
class QuoteDraft:
    """What a kind's `build` returns; the quotes service stores it with the vendor's quote
    validity (LICENSOR_QUOTE_VALIDITY_DAYS)."""

    product: str
    currency: str
    lines: list[QuoteLine]
    license_id: str | None = None
    seats: int | None = None
    maintenance_until: datetime | None = None
    license_version: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> Money:
        total = Money.zero(self.currency)
        for line in self.lines:
            total = total + line.amount
        return total


class QuoteKindHandler(Protocol):
    @property
    def body_model(self) -> type[BaseModel]:
        """The pydantic model of this kind's request body (a class attribute will do)."""
        ...

    def build(self, ctx: Context, session: Session, body: dict[str, Any],
              now: datetime) -> QuoteDraft: ...

    def fulfil(self, ctx: Context, session: Session, order: Any, quote: Any,
               now: datetime) -> LicenseRow: ...

    def refund(self, ctx: Context, session: Session, order: Any, quote: Any,
               now: datetime) -> None: ...


_KINDS: dict[str, QuoteKindHandler] = {}

# A quote's `customer` (for tax): checked by the tax capability with its own refusals, so a
# kind's model only names it for the document.
TaxCustomer = Annotated[Any, WithJsonSchema({
    "type": "object", "title": "TaxCustomer",
    "description": "The buyer, for tax: country (ISO 3166 alpha-2) and a business's VAT ID",
    "properties": {"country": {"type": "string", "maxLength": 2, "examples": ["DE"]},
                   "vat_id": {"type": "string", "maxLength": 40}}})]


def register_quote_kind(name: str, kind: QuoteKindHandler) -> QuoteKindHandler:
    _KINDS[name] = kind
    return kind


def quote_kind(name: str) -> QuoteKindHandler | None:
    return _KINDS.get(name)


def request_type() -> Any:
    """The body of POST /v1/quotes as /openapi.json gives it: one registered kind's model, told
    apart by `kind` (the endpoint parses it by hand: see `parse_body`)."""
    models = list(dict.fromkeys(kind.body_model for kind in _KINDS.values()))
    return Annotated[reduce(or_, models), Field(discriminator="kind")]  # type: ignore[valid-type]


def parse_body(kind: QuoteKindHandler, body: dict[str, Any]) -> dict[str, Any]:
    """The body validated by the kind's model; 422 INVALID_REQUEST naming the field."""
    try:
        return kind.body_model.model_validate(body).model_dump()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        if where == "seats" and first.get("type") in ("greater_than_equal", "less_than_equal"):
            # A seat count out of range is 422 INVALID_SEATS, as everywhere (not a malformed body).
            raise LicensorError("INVALID_SEATS", f"Seats must be a whole number from 1 to "
                                f"{MAX_SEATS}.", {"field": "seats",
                                                  "seats": first.get("input")}) from None
        if first.get("type") == "missing":
            message = f"The field '{where}' is required."
        else:
            message = f"The field '{where}' is invalid: {first.get('msg', 'invalid')}."
        raise LicensorError("INVALID_REQUEST", message, {"field": where}) from None
