"""JSON shapes of subscriptions and invoices as the API shows them (also webhooks' `data`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy.orm import object_session

from licensor.core.money import Money
from licensor.core.web.openapi import Answer, Timestamp, example
from licensor.core.web.openapi import Money as MoneyAnswer
from licensor.core.web.views import iso
from licensor.discounts import service as discounts
from licensor.discounts.service import CouponRow, terms
from licensor.subscriptions.enums import ProjectStatus, SubscriptionStatus
from licensor.subscriptions.models import InvoiceRow, SubscriptionRow
from licensor.tax import billing_details
from licensor.tax import service as tax
from licensor.tax.schemas import Tax


def subscription_view(sub: SubscriptionRow) -> dict[str, Any]:
    """The Subscription answer: the row, with its credit as Money, its coupon and billing
    details as shown."""
    return Subscription.view(sub, credit_balance=Money(sub.credit_balance, sub.currency)
                             .to_json(), discount=discount_view(sub),
                             failed_payment_attempts=sub.failed_payment_attempts or 0,
                             billing_details=billing_details.details_view(sub.billing_details))


def discount_view(sub: SubscriptionRow) -> dict[str, Any] | None:
    """The subscription's coupon: its code and words, when it was applied and until when it
    discounts invoices (null: forever; equal to applied_at: that one invoice only)."""
    if sub.coupon_id is None or sub.coupon_applied_at is None:
        return None
    session = object_session(sub)
    row = discounts.coupon_by_id(session, sub.coupon_id) if session is not None else None
    return {"coupon": row.code if row is not None else None,
            "description": describe(row) if row is not None else None,
            "applied_at": iso(sub.coupon_applied_at), "ends_at": iso(sub.coupon_ends_at)}


def invoice_view(row: InvoiceRow) -> dict[str, Any]:
    """The Invoice answer: the row, with its amounts as Money and its tax as shown."""
    def m(amount: int) -> dict[str, Any]:
        return Money(amount, row.currency).to_json()
    return Invoice.view(row, lines=[{**x, "amount": m(x["amount"]),
                                     "period_start": x["period_start"].replace("+00:00", "Z"),
                                     "period_end": x["period_end"].replace("+00:00", "Z")}
                                    for x in row.lines],
                        net=m(row.net), credit_applied=m(row.credit_applied),
                        amount_paid=m(row.amount_paid), **invoice_tax_view(row))


def invoice_tax_view(row: InvoiceRow) -> dict[str, Any]:
    """subtotal, tax and total of an invoice: what the card (and credit) paid, with its tax.
    An untaxed invoice's subtotal and total are its amount paid."""
    view = tax.tax_view(row.tax, Money(row.amount_paid, row.currency))
    return {**view, "total": Money(row.amount_paid, row.currency).to_json()}


# -- answers ----------------------------------------------------------------------------------

USD = "USD"
SUBSCRIPTION_EXAMPLE = {
    "id": "sub_6Tr3", "product": "mybalsamiq", "plan": "medium", "interval": "month",
    "status": "active", "current_period_start": "2026-01-15T09:30:00Z",
    "current_period_end": "2026-02-15T09:30:00Z", "cancel_at_period_end": False,
    "credit_balance": {"amount": 0, "currency": USD}, "site_id": "site_1Qa7", "google_id": None,
    "past_due_since": None, "next_payment_attempt_at": None, "failed_payment_attempts": 0}
SITE_EXAMPLE = {"id": "site_1Qa7", "name": "Acme", "product": "mybalsamiq",
                "owner_id": "acc_4Lm2", "billing_admin_id": None,
                "subscription": SUBSCRIPTION_EXAMPLE, "active_projects": 3,
                "project_limit": 20, "created_at": "2026-01-15T09:30:00Z"}
MEMBER_EXAMPLE = {"account_id": "acc_8Zx1", "email": "bo@acme.example", "role": "staff",
                  "added_at": "2026-01-15T09:30:00Z"}
PROJECT_EXAMPLE = {"id": "prj_5Ee2", "site_id": "site_1Qa7", "name": "Checkout redesign",
                   "status": "active", "created_at": "2026-01-15T09:30:00Z"}
CHANGE_EXAMPLE = {
    "lines": [{"kind": "credit", "description": "Unused time on Medium",
               "amount": {"amount": 2500, "currency": USD},
               "period_start": "2026-01-30T09:30:00Z", "period_end": "2026-02-15T09:30:00Z"},
              {"kind": "charge", "description": "Remaining time on Large",
               "amount": {"amount": 5000, "currency": USD},
               "period_start": "2026-01-30T09:30:00Z", "period_end": "2026-02-15T09:30:00Z"},
              {"kind": "discount", "description": "Coupon SPRING10 (10% off)",
               "amount": {"amount": -500, "currency": USD},
               "period_start": "2026-01-30T09:30:00Z", "period_end": "2026-02-15T09:30:00Z"}],
    "net": {"amount": 2000, "currency": USD}, "credit_applied": {"amount": 0, "currency": USD},
    "amount_due": {"amount": 2000, "currency": USD},
    "credit_balance_after": {"amount": 0, "currency": USD},
    "current_period_end_after": "2026-02-15T09:30:00Z"}
INVOICE_EXAMPLE = {
    "id": "inv_3Rt6", "number": 7, "subscription_id": "sub_6Tr3", "reason": "renewal",
    "created_at": "2026-02-15T09:30:00Z",
    "lines": [{"kind": "charge", "description": "Medium, monthly",
               "amount": {"amount": 4900, "currency": USD},
               "period_start": "2026-02-15T09:30:00Z", "period_end": "2026-03-15T09:30:00Z"}],
    "net": {"amount": 4900, "currency": USD}, "credit_applied": {"amount": 0, "currency": USD},
    "amount_paid": {"amount": 4900, "currency": USD}, "charge_id": "ch_sandbox_2"}


class BillingDetails(Answer):
    name: str
    company: str | None
    address: str | None
    country: str
    vat_id: str | None
    vat_id_status: Literal["valid", "unverified"] | None


class Discount(Answer):
    coupon: str | None = Field(description="The coupon's code")
    description: str | None = Field(description='e.g. "Coupon SPRING10 (10% off)"')
    applied_at: Timestamp | None
    ends_at: Timestamp | None = Field(description="Invoices dated before this are discounted; "
                                      "null: every invoice (forever)")


def describe(row: CouponRow) -> str:
    return terms(row).describe()


class Subscription(Answer):
    id: str
    product: str
    plan: str | None = Field(description="null during the trial")
    interval: Literal["month", "year"] | None = Field(description="null during the trial")
    status: SubscriptionStatus = Field(description="past_due: the renewal payment was "
                                       "declined; the site keeps working while the card is "
                                       "tried again (next_payment_attempt_at)")
    current_period_start: Timestamp | None
    current_period_end: Timestamp | None
    cancel_at_period_end: bool
    credit_balance: MoneyAnswer
    site_id: str | None
    google_id: str | None
    discount: Discount | None = Field(default=None, description="The subscription's coupon, "
                                      "if it has one")
    past_due_since: Timestamp | None = Field(description="The renewal date whose payment was "
                                             "declined; null unless past_due")
    next_payment_attempt_at: Timestamp | None = Field(description="When the card is tried "
                                                      "again; null unless past_due")
    failed_payment_attempts: int = Field(description="Declined tries of the open renewal "
                                         "payment; 0 when paid")
    currency: str | None = Field(default=None, description="What it is billed in")
    billing_details: BillingDetails | None = Field(default=None, description="Who is invoiced "
                                                   "and where (PUT …/billing-details)")

    model_config = example(SUBSCRIPTION_EXAMPLE)


class Site(Answer):
    id: str
    name: str
    product: str
    owner_id: str
    billing_admin_id: str | None
    subscription: Subscription
    active_projects: int
    project_limit: int | None = Field(description="null for unlimited")
    created_at: Timestamp | None

    model_config = example(SITE_EXAMPLE)


class SiteDeleted(Answer):
    id: str
    deleted_at: Timestamp | None
    subscription: Subscription

    model_config = example({"id": "site_1Qa7", "deleted_at": "2026-04-15T09:30:00Z",
                             "subscription": {**SUBSCRIPTION_EXAMPLE, "status": "deleted"}})


class Member(Answer):
    account_id: str
    email: str | None
    role: str = Field(description="owner, staff or member")
    added_at: Timestamp | None

    model_config = example(MEMBER_EXAMPLE)


class MemberList(Answer):
    data: list[Member]
    next_cursor: str | None

    model_config = example({"data": [MEMBER_EXAMPLE], "next_cursor": None})


class Project(Answer):
    id: str
    site_id: str
    name: str
    status: ProjectStatus
    created_at: Timestamp | None

    model_config = example(PROJECT_EXAMPLE)


class ProjectList(Answer):
    data: list[Project]
    next_cursor: str | None

    model_config = example({"data": [PROJECT_EXAMPLE], "next_cursor": None})


class SiteExport(Answer):
    site: Site
    members: list[Member]
    projects: list[Project]

    model_config = example({"site": SITE_EXAMPLE, "members": [MEMBER_EXAMPLE],
                             "projects": [PROJECT_EXAMPLE]})


class ChangeLine(Answer):
    kind: Literal["credit", "charge", "discount"]
    description: str
    amount: MoneyAnswer = Field(description="credit and charge lines are positive (the kind "
                                "says which way they go); a coupon's discount line is negative")
    period_start: Timestamp | None
    period_end: Timestamp | None


class PlanChangeAnswer(Answer):
    lines: list[ChangeLine]
    net: MoneyAnswer
    credit_applied: MoneyAnswer
    amount_due: MoneyAnswer
    credit_balance_after: MoneyAnswer
    current_period_end_after: Timestamp | None
    subtotal: MoneyAnswer | None = Field(default=None, description="amount_due before tax "
                                         "(taxed subscriptions only)")
    tax: Tax | None = None

    model_config = example(CHANGE_EXAMPLE)


class Invoice(Answer):
    id: str
    number: int
    subscription_id: str
    reason: str
    created_at: Timestamp | None
    lines: list[dict[str, Any]]
    net: MoneyAnswer
    credit_applied: MoneyAnswer
    amount_paid: MoneyAnswer
    charge_id: str | None
    subtotal: MoneyAnswer | None = Field(default=None, description="amount_paid before tax")
    tax: Tax | None = None
    total: MoneyAnswer | None = Field(default=None, description="with tax: amount_paid")

    model_config = example(INVOICE_EXAMPLE)


class InvoiceList(Answer):
    data: list[Invoice]
    next_cursor: str | None

    model_config = example({"data": [INVOICE_EXAMPLE], "next_cursor": None})
