"""Sites and their billing, for a signed-in customer: /sites, /sites/{id}, members, billing
(plan change with its preview, cancel, invoices). Every change goes through the service the
API calls; a member who may not bill sees billing read-only with the reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from licensor.accounts.deps import page_account, sign_in_first
from licensor.accounts.service import AccountRow
from licensor.core import mail
from licensor.core.context import Context
from licensor.core.documents import document_html, document_pdf
from licensor.core.errors import LicensorError
from licensor.core.formats import money
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.portal import Form, finish, redirect, render, stripe_key
from licensor.subscriptions import cards, changes, coupons, invitations, overview, taxes
from licensor.subscriptions import sites as site_actions
from licensor.subscriptions.enums import ProjectStatus, SubscriptionStatus

router = APIRouter(include_in_schema=False)

INTERVALS = [("month", "Monthly"), ("year", "Yearly")]
PLAN_CODES = {"COUNTRY_REQUIRED": "country", "INVALID_VAT_ID": "vat_id",
              "TAX_RATE_MISSING": "country", "UNKNOWN_PLAN": "plan", "PLAN_TOO_SMALL": "plan", "NO_CHANGE": "plan",
              "CARD_DECLINED": "card_token", "PAYMENT_FAILED": "card_token",
              "PAYMENT_ACTION_REQUIRED": "card_token", "CURRENCY_MISMATCH": "plan",
              "PROCESSOR_UNAVAILABLE": "card_token", "PAYMENT_UNCONFIRMED": "card_token",
              # A refused discount code is shown next to the Discount code field.
              **{code: "coupon" for code in ("UNKNOWN_COUPON", "COUPON_NOT_APPLICABLE",
                                             "COUPON_EXPIRED", "COUPON_EXHAUSTED",
                                             "COUPON_ALREADY_USED")}}


def _errors(exc: LicensorError, default: str, by_code: dict[str, str] | None = None
            ) -> dict[str, str]:
    field = (by_code or {}).get(exc.code, default)
    errors = {field: exc.message, "_code": exc.code}
    secret = exc.details.get("client_secret") if isinstance(exc.details, dict) else None
    if exc.code == "PAYMENT_ACTION_REQUIRED" and isinstance(secret, str):
        errors["_client_secret"] = secret  # Stripe's card element asks the bank's confirmation
    return errors


# -- /sites -----------------------------------------------------------------------------------

def _sites_page(request: Request, session: Session, account: AccountRow,
                errors: dict[str, str] | None = None, status: int = 200,
                form: dict[str, str] | None = None) -> Response:
    return render(request, "subscriptions/sites.html", status=status,
                  sites=overview.my_sites(session, account),
                  drive=overview.drive_subscriptions(session, account),
                  errors=errors or {}, form=form or {})


@router.get("/sites")
def sites(request: Request, session: ReadSession) -> Response:
    account = page_account(request)
    if account is None:
        return sign_in_first(request)
    return _sites_page(request, session, account)


@router.post("/sites")
def new_site(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    account = page_account(request)
    if account is None:
        return sign_in_first(request)
    try:
        site, _ = site_actions.create_site(session, account,
                                           name=form.get("name", "").strip()[:200],
                                           product_code=form.get("product") or "mybalsamiq",
                                           now=now_for(ctx, session))
    except LicensorError as exc:
        return _sites_page(request, session, account, _errors(exc, "name"), exc.status, form)
    return redirect(request, f"/sites/{site.id}")


# -- /sites/{id}: projects --------------------------------------------------------------------

def _site_page(request: Request, session: Session, account: AccountRow, site_id: str, *,
               errors: dict[str, str] | None = None, status: int = 200,
               notice: str = "") -> Response:
    view = overview.site_view(session, account, site_id)
    return render(request, "subscriptions/site.html", status=status, view=view,
                  projects=overview.projects(session, view.site), errors=errors or {},
                  notice=notice)


@router.get("/sites/{site_id}")
def site(request: Request, site_id: str, session: ReadSession) -> Response:
    account = page_account(request)
    if account is None:
        return sign_in_first(request)
    return _site_page(request, session, account, site_id)


@router.post("/sites/{site_id}/projects")
def project_action(request: Request, site_id: str, ctx: Ctx, session: WriteSession,
                   form: Form) -> Response:
    account = page_account(request)
    if account is None:
        return sign_in_first(request)
    now = now_for(ctx, session)
    action, project_id = form.get("action", "create"), form.get("project_id", "")
    try:
        if action == "create":
            site_actions.create_project(session, account, site_id,
                                        name=form.get("name", "").strip()[:200], now=now)
        else:
            site_actions.set_project_status(session, account, site_id, project_id,
                                            status=ProjectStatus.ARCHIVED if action == "archive"
                                            else ProjectStatus.ACTIVE,
                                            now=now)
    except LicensorError as exc:
        field = "name" if action == "create" else "projects"
        return _site_page(request, session, account, site_id, errors=_errors(exc, field),
                          status=exc.status)
    return redirect(request, f"/sites/{site_id}")


# -- members ----------------------------------------------------------------------------------

def _members_page(request: Request, session: Session, account: AccountRow, site_id: str, *,
                  errors: dict[str, str] | None = None, status: int = 200,
                  form: dict[str, str] | None = None) -> Response:
    view = overview.site_view(session, account, site_id)
    people = overview.members(session, view.site)
    return render(request, "subscriptions/members.html", status=status, view=view,
                  members=people, invited=invitations.pending(session, view.site.id),
                  staff_options=[("", "Nobody but me (the owner)")]
                  + [(p["account_id"], f"{p['name']} ({p['email']})")
                     for p in people if p["role"] == "staff"],
                  errors=errors or {}, form=form or {},
                  notice=MEMBER_NOTICES.get(request.query_params.get("done", ""), ""))


MEMBER_NOTICES = {"added": "Added: they see the site when they sign in.",
                  "invited": "Invitation sent: they join when they sign up with that address.",
                  "removed": "Removed from the site.",
                  "billing_admin": "Billing admin saved."}


@router.get("/sites/{site_id}/members")
def members(request: Request, site_id: str, session: ReadSession) -> Response:
    account = page_account(request)
    if account is None:
        return sign_in_first(request)
    return _members_page(request, session, account, site_id)


@router.post("/sites/{site_id}/members")
def members_post(request: Request, site_id: str, ctx: Ctx, session: WriteSession,
                 form: Form) -> Response:
    account = page_account(request)
    if account is None:
        return sign_in_first(request)
    now, action = now_for(ctx, session), form.get("action")
    try:
        done = _member_action(session, account, site_id, form, now)
    except LicensorError as exc:
        field = {"billing_admin": "billing_admin", "remove": "_form"}.get(action or "", "email")
        return _members_page(request, session, account, site_id,
                             errors=_errors(exc, field), status=exc.status, form=form)
    return redirect(request, f"/sites/{site_id}/members?done={done}")


def _member_action(session: Session, account: AccountRow, site_id: str, form: dict[str, str],
                   now: datetime) -> str:
    action = form.get("action")
    if action == "billing_admin":
        site_actions.set_billing_admin(session, account, site_id,
                                       form.get("billing_admin") or None, now)
        return "billing_admin"
    if action == "remove":
        invitations.remove(session, account, site_id, member_id=form.get("member", ""), now=now)
        return "removed"
    email = form.get("email", "").strip()
    if not mail.EMAIL_RE.match(email) or len(email) > mail.EMAIL_MAX_LENGTH:
        raise LicensorError("INVALID_REQUEST", "Enter an email address such as "
                            "ana@example.com.", {"field": "email"}, status=422)
    role = form.get("role", "member")
    invited = invitations.invite(session, account, site_id, email=email,
                                 role=role if role in ("staff", "member") else "member", now=now)
    return "invited" if invited else "added"


# -- billing ----------------------------------------------------------------------------------

def _plan_options(view: overview.SiteView) -> list[tuple[str, str]]:
    """The Plan select: each plan with its size and price."""
    return [(p.code, (f"{p.name} (up to {p.limit} projects): {money(p.monthly_price)}/month "
                      f"or {money(p.yearly_price)}/year")) for p in view.product.plans or ()]


def _billing_page(request: Request, ctx: Context, session: Session, account: AccountRow,
                  site_id: str, *, errors: dict[str, str] | None = None, status: int = 200,
                  form: dict[str, str] | None = None, preview: Any = None,
                  notice: str = "") -> Response:
    view = overview.site_view(session, account, site_id)
    reason = overview.billing_reason(view)
    price = None
    if reason is None and view.sub.status in (SubscriptionStatus.TRIALING, SubscriptionStatus.SUSPENDED):
        try:  # the price before Subscribe is pressed (a refusal is shown when it is pressed)
            price = overview.subscribe_preview(ctx, session, account, view, form or {},
                                               now_for(ctx, session))
        except LicensorError:
            price = None
    return render(request, "subscriptions/billing.html", status=status, view=view,
                  reason=reason, intervals=INTERVALS, errors=errors or {}, price=price,
                  plan_options=_plan_options(view),
                  form=form or {"plan": view.sub.plan or "", "interval": view.sub.interval
                                or "month", "card_token": "tok_visa" if ctx.settings.sandbox
                                else ""},
                  invoices=overview.invoices(session, account, view) if reason is None else [],
                  preview=preview, notice=notice, sandbox=ctx.settings.sandbox,
                  discount=coupons.summary(session, view.sub, now_for(ctx, session)),
                  past_due=overview.past_due(session, view),
                  countries=taxes.country_options(ctx.settings),
                  stripe_key=stripe_key(request) if reason is None and view.sub.status in (
                      SubscriptionStatus.TRIALING, SubscriptionStatus.SUSPENDED,
                      SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE) else None)


@router.get("/sites/{site_id}/billing")
def billing(request: Request, site_id: str, ctx: Ctx, session: ReadSession) -> Response:
    account = page_account(request)
    if account is None:
        return sign_in_first(request)
    done = DONE.get(request.query_params.get("done", ""), "")
    return _billing_page(request, ctx, session, account, site_id, notice=done)


DONE = {"changed": "Your plan is changed.", "subscribed": "Your subscription has started.",
        "canceled": "Your subscription is canceled: it ends at the end of this period.",
        "card_saved": "Your card is saved: renewals are charged to it.",
        "card_paid": "Your card is saved and the renewal is paid: the subscription is active "
                     "again."}


@router.post("/sites/{site_id}/billing")
def billing_post(request: Request, site_id: str, ctx: Ctx, session: WriteSession,
                 form: Form) -> Response:
    account = page_account(request)
    if account is None:
        return sign_in_first(request)
    view = overview.site_view(session, account, site_id)
    action = form.get("action", "")
    plan, interval = form.get("plan") or None, form.get("interval") or None
    coupon = form.get("coupon", "").strip() or None
    now = now_for(ctx, session)
    try:
        if action == "preview":
            change = changes.preview_change(session, account, view.sub.id, plan=plan,
                                            interval=interval, at=now, coupon=coupon)
            return _billing_page(request, ctx, session, account, site_id, form=form,
                                 preview=change)
        if action == "subscribe_preview":  # Show price: the Subscribe form, priced
            overview.subscribe_preview(ctx, session, account, view, form, now)
            return _billing_page(request, ctx, session, account, site_id, form=form)
        if action == "confirm":
            changes.apply_change(ctx, session, account, view.sub.id, plan=plan,
                                 interval=interval, card_token=None, now=now, coupon=coupon)
            done = "changed"
        elif action == "subscribe":
            changes.subscribe(ctx, session, account, changes.SubscribeRequest(
                product=None, plan=plan or "", interval=interval or "month",
                card_token=form.get("card_token", "").strip(), site_id=view.site.id,
                coupon=coupon, billing_details=taxes.details_from_form(
                    ctx, session, form, account.name, view.site.id)), now)
            done = "subscribed"
        elif action == "cancel":
            changes.cancel(session, account, view.sub.id, now)
            done = "canceled"
        elif action == "card":
            done = _update_card(ctx, session, account, view.sub.id, view.sub.status, form, now)
        else:
            raise LicensorError("INVALID_REQUEST", "Choose Preview, Confirm change, Update card "
                                "or Cancel subscription.", {"field": "action"})
    except LicensorError as exc:
        field = {"cancel": "cancel", "card": "card_token"}.get(action, "plan")
        return _billing_page(request, ctx, session, account, site_id, form=form,
                             errors=_errors(exc, field, PLAN_CODES), status=exc.status)
    # Redirected, so reloading the page never sends the change twice.
    return redirect(request, f"/sites/{site_id}/billing?done={done}")


def _update_card(ctx: Context, session: Session, account: AccountRow, sub_id: str,
                 status: str, form: dict[str, str], now: datetime) -> str:
    token = form.get("card_token", "").strip()
    if not token:
        raise LicensorError("INVALID_REQUEST", "Enter the card (its token) to save.",
                            {"field": "card_token"}, status=422)
    cards.update_card(ctx, session, account, sub_id, token, now)
    return "card_paid" if status == SubscriptionStatus.PAST_DUE else "card_saved"


@router.get("/sites/{site_id}/invoices/{invoice_id}.pdf")
def invoice_pdf(request: Request, site_id: str, invoice_id: str, ctx: Ctx,
                session: ReadSession) -> Response:
    account = page_account(request)
    if account is None:
        return sign_in_first(request)
    view = overview.site_view(session, account, site_id)
    row = overview.invoice_of(session, account, view, invoice_id)
    doc = overview.invoice_document(ctx.settings, view, account.email, row)
    return finish(request, Response(document_pdf(doc), media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="invoice-{doc.number}.pdf"'}))


@router.get("/sites/{site_id}/invoices/{invoice_id}")
def invoice_page(request: Request, site_id: str, invoice_id: str, ctx: Ctx,
                 session: ReadSession) -> Response:
    account = page_account(request)
    if account is None:
        return sign_in_first(request)
    view = overview.site_view(session, account, site_id)
    row = overview.invoice_of(session, account, view, invoice_id)
    doc = overview.invoice_document(ctx.settings, view, account.email, row)
    return render(request, "subscriptions/invoice.html", view=view, invoice=row,
                  document=document_html(doc))
