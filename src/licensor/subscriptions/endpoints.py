"""Sites (members, projects) and subscriptions: subscribe, plan change and its preview,
cancel, invoices. Every call here is made by a customer account."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from licensor.accounts import service as accounts
from licensor.accounts.deps import Account
from licensor.accounts.service import AccountRow
from licensor.core.errors import LicensorError
from licensor.core.web.deps import NO_NUL, Ctx, ReadSession, WriteSession, now_for, page_limit
from licensor.core.web.openapi import Cursor, Limit, LongLimit, TimeInput, refusals
from licensor.core.web.paging import fetch_size, keyset_page, page_of
from licensor.core.web.views import iso
from licensor.subscriptions import access, cards, changes, taxes
from licensor.subscriptions import sites as site_actions
from licensor.subscriptions.enums import ProjectStatus
from licensor.subscriptions.models import (
    SiteMemberRow,
    SiteRow,
)
from licensor.subscriptions.repository import SiteRepository, SubscriptionRepository
from licensor.subscriptions.rules import PlanChange
from licensor.subscriptions.schemas import (
    ChangeLine,
    InvoiceList,
    Member,
    MemberList,
    PlanChangeAnswer,
    Project,
    ProjectList,
    Site,
    SiteDeleted,
    SiteExport,
    Subscription,
    invoice_view,
    subscription_view,
)

# Codes every call on a site or subscription can answer with.
SITE = ("SITE_NOT_FOUND", "NOT_SITE_OWNER")
SUB = ("SUBSCRIPTION_NOT_FOUND", "NOT_BILLING_ADMIN")
# A coupon code refused (subscribe, change and its preview).
COUPON = ("UNKNOWN_COUPON", "COUPON_NOT_APPLICABLE", "COUPON_EXPIRED", "COUPON_EXHAUSTED",
          "COUPON_ALREADY_USED")
CouponCode = Annotated[str | None, Field(
    default=None, max_length=40, pattern=NO_NUL,
    description="A discount code (case does not matter); it replaces the subscription's coupon")]

router = APIRouter(prefix="/v1", tags=["subscriptions"])

Interval = Literal["month", "year"]
PathId = Annotated[str, Path(max_length=200, pattern=NO_NUL)]


# -- shapes -----------------------------------------------------------------------------------


def site_view(session: Any, site: SiteRow) -> dict[str, Any]:
    sub = SubscriptionRepository(session).for_site(site.id)
    assert sub is not None
    repo = SiteRepository(session)
    return Site.view(site, subscription=subscription_view(sub),
                     active_projects=repo.active_projects(site.id),
                     project_limit=access.project_limit(session, sub))


def member_view(member: SiteMemberRow, account: AccountRow | None) -> dict[str, Any]:
    return Member.view(member, email=account.email if account else None,
                       added_at=member.created_at)


def change_view(change: PlanChange) -> dict[str, Any]:
    """The PlanChangeAnswer: the settlement's amounts as Money, its lines and tax as shown."""
    s = change.settlement
    return PlanChangeAnswer.view(
        s, lines=[ChangeLine.view(x, amount=x.amount.to_json()) for x in change.lines],
        net=s.net.to_json(), credit_applied=s.credit_applied.to_json(),
        amount_due=s.amount_due.to_json(), **taxes.preview_tax(s),
        credit_balance_after=s.credit_balance_after.to_json(),
        current_period_end_after=change.period_after.end)


# -- sites ------------------------------------------------------------------------------------

class SiteBody(BaseModel):
    name: str = Field(max_length=200, pattern=NO_NUL)  # blank: 422 SITE_NAME_REQUIRED
    product: str = Field(default="mybalsamiq", max_length=64, pattern=NO_NUL)

    model_config = {"json_schema_extra": {"examples": [{"name": "Acme", "product": "mybalsamiq"}]}}


class MemberBody(BaseModel):
    email: str = Field(max_length=320, pattern=NO_NUL)
    role: Literal["staff", "member"]

    model_config = {"json_schema_extra": {"examples": [{"email": "bo@acme.example", "role": "staff"}]}}


class BillingAdminBody(BaseModel):
    account_id: str | None = Field(max_length=64, pattern=NO_NUL)

    model_config = {"json_schema_extra": {"examples": [{"account_id": "acc_8Zx1"}]}}


class ProjectBody(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL)

    model_config = {"json_schema_extra": {"examples": [{"name": "Checkout redesign"}]}}


@router.post("/sites", operation_id="createSite", status_code=201, response_model=Site,
             responses=refusals("UNKNOWN_PRODUCT", "NOT_UPGRADABLE", "SITE_NAME_REQUIRED"))
def create_site(body: SiteBody, ctx: Ctx, session: WriteSession,
                account: Account) -> dict[str, Any]:
    site, _ = site_actions.create_site(session, account, name=body.name, product_code=body.product,
                                       now=now_for(ctx, session))
    view = site_view(session, site)
    return view


@router.get("/sites/{site_id}", operation_id="getSite",
            response_model=Site, responses=refusals(*SITE))
def get_site(site_id: PathId, session: ReadSession, account: Account) -> dict[str, Any]:
    return site_view(session, access.site_for(session, site_id, account))


@router.delete("/sites/{site_id}", operation_id="deleteSite",
               response_model=SiteDeleted, responses=refusals(*SITE))
def delete_site(site_id: PathId, ctx: Ctx, session: WriteSession,
                account: Account) -> dict[str, Any]:
    site = site_actions.delete_site(session, account, site_id, now_for(ctx, session))
    sub = SubscriptionRepository(session).for_site(site.id)
    assert sub is not None
    view = {"id": site.id, "deleted_at": iso(site.deleted_at),
            "subscription": subscription_view(sub)}
    return view


@router.get("/sites/{site_id}/export", operation_id="exportSite",
            response_model=SiteExport, responses=refusals(*SITE))
def export_site(site_id: PathId, session: ReadSession, account: Account) -> dict[str, Any]:
    data = site_actions.export_site(session, account, site_id)
    return {"site": site_view(session, data["site"]),
            "members": [member_view(m, accounts.get_account(session, m.account_id))
                        for m in data["members"]],
            "projects": [Project.view(p) for p in data["projects"]]}


@router.get("/sites/{site_id}/members", operation_id="listMembers",
            response_model=MemberList, responses=refusals(*SITE))
def list_members(site_id: PathId, session: ReadSession, account: Account,
                 limit: LongLimit = None,
                 cursor: str | None = Query(default=None, max_length=64)) -> dict[str, Any]:
    """The site's members (one page unless `limit` is given; `cursor` is an account id)."""
    site = access.site_for(session, site_id, account)
    page, next_cursor = page_of(SiteRepository(session).members(site.id),
                                lambda m: m.account_id, limit, cursor)
    return {"data": [member_view(m, accounts.get_account(session, m.account_id)) for m in page],
            "next_cursor": next_cursor}


@router.post("/sites/{site_id}/members", operation_id="addMember",
             status_code=201, response_model=Member, responses={
    200: {"model": Member, "description": "Already a member: their role is updated"},
    **refusals(*SITE, "ACCOUNT_NOT_FOUND", "SITE_SUSPENDED")})
def add_member(site_id: PathId, body: MemberBody, ctx: Ctx, session: WriteSession,
               account: Account, response: Response) -> dict[str, Any]:
    member, person, created = site_actions.add_member(session, account, site_id, email=body.email,
                                                      role=body.role, now=now_for(ctx, session))
    view = member_view(member, person)
    if not created:
        response.status_code = 200
    return view


@router.put("/sites/{site_id}/billing-admin", operation_id="setBillingAdmin", response_model=Site,
            responses=refusals(*SITE, "NOT_STAFF"))
def set_billing_admin(site_id: PathId, body: BillingAdminBody, ctx: Ctx, session: WriteSession,
                      account: Account) -> dict[str, Any]:
    site = site_actions.set_billing_admin(session, account, site_id, body.account_id,
                                          now_for(ctx, session))
    view = site_view(session, site)
    return view


@router.get("/sites/{site_id}/projects", operation_id="listProjects",
            response_model=ProjectList, responses=refusals(*SITE))
def list_projects(site_id: PathId, session: ReadSession, account: Account,
                  limit: LongLimit = None,
                  cursor: str | None = Query(default=None, max_length=64)) -> dict[str, Any]:
    """The site's projects (one page unless `limit` is given; `cursor` is a project id)."""
    site = access.site_for(session, site_id, account)
    page, next_cursor = page_of(SiteRepository(session).projects(site.id), lambda p: p.id,
                                limit, cursor)
    return {"data": [Project.view(p) for p in page], "next_cursor": next_cursor}


@router.post("/sites/{site_id}/projects", operation_id="createProject",
             status_code=201, response_model=Project,
             responses=refusals(*SITE, "PLAN_LIMIT_REACHED", "SITE_SUSPENDED"))
def create_project(site_id: PathId, body: ProjectBody, ctx: Ctx, session: WriteSession,
                   account: Account) -> dict[str, Any]:
    row = site_actions.create_project(session, account, site_id, name=body.name,
                                      now=now_for(ctx, session))
    view = Project.view(row)
    return view


def _project_status(site_id: str, project_id: str, status: str, ctx: Any, session: Any,
                    account: AccountRow) -> dict[str, Any]:
    row = site_actions.set_project_status(session, account, site_id, project_id, status=status,
                                          now=now_for(ctx, session))
    view = Project.view(row)
    return view


@router.post("/sites/{site_id}/projects/{project_id}/archive", operation_id="archiveProject",
             response_model=Project,
             responses=refusals(*SITE, "PROJECT_NOT_FOUND", "SITE_SUSPENDED"))
def archive_project(site_id: PathId, project_id: PathId, ctx: Ctx, session: WriteSession,
                    account: Account) -> dict[str, Any]:
    return _project_status(site_id, project_id, ProjectStatus.ARCHIVED, ctx, session, account)


@router.post("/sites/{site_id}/projects/{project_id}/unarchive", operation_id="unarchiveProject",
             response_model=Project,
             responses=refusals(*SITE, "PROJECT_NOT_FOUND", "PLAN_LIMIT_REACHED",
                                "SITE_SUSPENDED"))
def unarchive_project(site_id: PathId, project_id: PathId, ctx: Ctx, session: WriteSession,
                      account: Account) -> dict[str, Any]:
    return _project_status(site_id, project_id, ProjectStatus.ACTIVE, ctx, session, account)


# -- subscriptions ----------------------------------------------------------------------------

class SubscribeBody(BaseModel):
    product: str | None = Field(default=None, max_length=64, pattern=NO_NUL)
    plan: str = Field(max_length=64, pattern=NO_NUL)
    interval: Interval
    card_token: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    site_id: str | None = Field(default=None, max_length=64, pattern=NO_NUL)
    google_id: str | None = Field(default=None, min_length=1, max_length=320, pattern=NO_NUL)
    # Strict: `true` is not a quantity. Wide bounds, so any count a customer might ask for gets
    # SINGLE_USER_ONLY (a quantity other than 1 is a 409) rather than a range error.
    quantity: int | None = Field(default=None, ge=0, le=2**63 - 1, strict=True)
    coupon: CouponCode = None
    currency: str | None = Field(default=None, max_length=3, description="A currency of the "
                                 "product's price lists; default: its main currency")
    billing_details: dict[str, Any] | None = Field(
        default=None, description="{name, company?, address?, country, vat_id?}: required when "
        "the vendor collects tax (unless the site's subscription has them already)")

    model_config = {"json_schema_extra": {"examples": [
        {"site_id": "site_1Qa7", "plan": "medium", "interval": "month",
         "card_token": "tok_visa", "coupon": "SPRING10"}]}}


class PreviewBody(BaseModel):
    plan: str | None = Field(default=None, max_length=64, pattern=NO_NUL)
    interval: Interval | None = None
    at: TimeInput | None = None
    coupon: CouponCode = None

    model_config = {"json_schema_extra": {"examples": [{"plan": "large", "interval": "year"}]}}


class ChangeBody(BaseModel):
    plan: str | None = Field(default=None, max_length=64, pattern=NO_NUL)
    interval: Interval | None = None
    card_token: str | None = Field(default=None, min_length=1, max_length=200, pattern=NO_NUL)
    coupon: CouponCode = None

    model_config = {"json_schema_extra": {"examples": [{"plan": "large", "interval": "year"}]}}


@router.post("/subscriptions", operation_id="createSubscription",
             status_code=201, response_model=Subscription, responses=refusals(
    "UNKNOWN_PRODUCT", "UNKNOWN_PLAN", "SITE_NOT_FOUND", "NOT_SITE_OWNER", "SINGLE_USER_ONLY",
    "ALREADY_SUBSCRIBED", "CARD_DECLINED", "PAYMENT_FAILED", "PAYMENT_ACTION_REQUIRED",
    "CURRENCY_MISMATCH", "PROCESSOR_UNAVAILABLE", "PAYMENT_UNCONFIRMED", "PAYMENT_IN_PROGRESS",
    "CURRENCY_NOT_OFFERED", "COUNTRY_REQUIRED", "INVALID_VAT_ID", "TAX_RATE_MISSING", *COUPON))
def subscribe(body: SubscribeBody, ctx: Ctx, session: WriteSession,
              account: Account) -> dict[str, Any]:
    if body.site_id is None and body.product is None:
        raise LicensorError("INVALID_REQUEST", "Give site_id (for a site) or product and "
                            "google_id (for Balsamiq for Google Drive).", {"field": "product"},
                            status=422)
    details = taxes.details_for_subscribe(ctx, session, body.billing_details, body.site_id)
    sub = changes.subscribe(ctx, session, account, changes.SubscribeRequest(
        **{**body.model_dump(), "billing_details": details}), now_for(ctx, session))
    view = subscription_view(sub)
    return view


@router.get("/subscriptions/{subscription_id}", operation_id="getSubscription",
            response_model=Subscription,
            responses=refusals(*SUB))
def get_subscription(subscription_id: PathId, session: ReadSession,
                     account: Account) -> dict[str, Any]:
    sub, _ = access.subscription_for(session, subscription_id, account)
    return subscription_view(sub)


@router.post("/subscriptions/{subscription_id}/change/preview",
             operation_id="previewSubscriptionChange", response_model=PlanChangeAnswer,
             responses=refusals(*SUB, "UNKNOWN_PLAN", "PLAN_TOO_SMALL", "NO_CHANGE",
                                "SUBSCRIPTION_NOT_ACTIVE", *COUPON))
def preview_change(subscription_id: PathId, body: PreviewBody, ctx: Ctx, session: ReadSession,
                   account: Account) -> dict[str, Any]:
    # In UTC, so the lines' times are UTC (as every time the API answers) and the new period is computed as the change
    # computes it: month arithmetic in another offset can land on another instant.
    at = body.at.astimezone(UTC) if body.at else now_for(ctx, session)
    return change_view(changes.preview_change(session, account, subscription_id, plan=body.plan,
                                              interval=body.interval, at=at, coupon=body.coupon))


@router.post("/subscriptions/{subscription_id}/change", operation_id="changeSubscription",
             response_model=PlanChangeAnswer,
             responses=refusals(*SUB, "UNKNOWN_PLAN", "PLAN_TOO_SMALL", "NO_CHANGE",
                                "SUBSCRIPTION_NOT_ACTIVE", "CARD_DECLINED", "PAYMENT_FAILED",
                                "PAYMENT_ACTION_REQUIRED", "PROCESSOR_UNAVAILABLE",
                                "PAYMENT_UNCONFIRMED", "PAYMENT_IN_PROGRESS", *COUPON))
def change(subscription_id: PathId, body: ChangeBody, ctx: Ctx, session: WriteSession,
           account: Account) -> dict[str, Any]:
    result = changes.apply_change(ctx, session, account, subscription_id, plan=body.plan,
                                  interval=body.interval, card_token=body.card_token,
                                  now=now_for(ctx, session), coupon=body.coupon)
    view = change_view(result)
    return view


class CardBody(BaseModel):
    card_token: str = Field(min_length=1, max_length=200, pattern=NO_NUL,
                            description="A card token (tok_…) or PaymentMethod (pm_…)")

    model_config = {"json_schema_extra": {"examples": [{"card_token": "tok_visa"}]}}


@router.put("/subscriptions/{subscription_id}/card", operation_id="updateSubscriptionCard",
            response_model=Subscription,
            responses=refusals(*SUB, "SITE_SUSPENDED", "SUBSCRIPTION_NOT_ACTIVE",
                               "CARD_DECLINED", "PAYMENT_FAILED", "PAYMENT_ACTION_REQUIRED",
                               "PAYMENT_IN_PROGRESS", "PROCESSOR_UNAVAILABLE",
                               "PAYMENT_UNCONFIRMED"))
def update_card(subscription_id: PathId, body: CardBody, ctx: Ctx, session: WriteSession,
                account: Account) -> dict[str, Any]:
    """Save the card renewals are charged to (billing admin, else owner). When the
    subscription is past_due, its open renewal is charged to the new card at once: paid, it
    is active again; declined, 402 CARD_DECLINED and it stays past_due."""
    sub = cards.update_card(ctx, session, account, subscription_id, body.card_token,
                            now_for(ctx, session))
    view = subscription_view(sub)
    return view


@router.post("/subscriptions/{subscription_id}/cancel", operation_id="cancelSubscription",
             response_model=Subscription,
             responses=refusals(*SUB, "SUBSCRIPTION_NOT_ACTIVE"))
def cancel(subscription_id: PathId, ctx: Ctx, session: WriteSession,
           account: Account) -> dict[str, Any]:
    sub = changes.cancel(session, account, subscription_id, now_for(ctx, session))
    view = subscription_view(sub)
    return view


@router.get("/subscriptions/{subscription_id}/invoices", operation_id="listInvoices",
            response_model=InvoiceList,
            responses=refusals(*SUB))
def invoices(subscription_id: PathId, session: ReadSession, account: Account,
             limit: Limit = None, cursor: Cursor = None) -> dict[str, Any]:
    sub, site = access.subscription_for(session, subscription_id, account)
    access.require_billing(site, sub, account)
    size = page_limit(limit)
    after = int(cursor) if cursor and cursor.isdigit() and len(cursor) < 10 else 0
    rows = SubscriptionRepository(session).invoices(sub.id, limit=fetch_size(size),
                                                    after_number=after)
    page, next_cursor = keyset_page(rows, size, lambda r: str(r.number))
    return {"data": [invoice_view(r) for r in page], "next_cursor": next_cursor}
