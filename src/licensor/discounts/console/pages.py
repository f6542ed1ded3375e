"""The console's coupons: the vendor's coupons with their use, a form for a new one (its
refusals shown next to the field) and Disable / Enable on each. Support reads; administrators
create and disable."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from licensor.catalog import service as catalog
from licensor.core.errors import LicensorError
from licensor.core.money import MINOR_UNIT_DIGITS
from licensor.core.web import console
from licensor.core.web.confirm import confirm_page, confirmed
from licensor.core.web.console import Staff, StaffAdmin
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.paging import fetch_size, keyset_page
from licensor.core.web.portal import Form, FormData, redirect
from licensor.discounts import service as discounts
from licensor.discounts.rules import DURATIONS, KINDS
from licensor.discounts.schemas import (
    int_from_text,
    moment_from_text,
    money_from_text,
    percent_from_text,
    row_view,
)

router = APIRouter(include_in_schema=False)
PAGE = 100
# The form's field for a refusal's details.field (the API's names).
FIELDS = {"applies_to.products": "products", "applies_to.kinds": "kinds",
          "amount_off.currency": "currency", "minimum_amount.currency": "currency"}


def _page(request: Request, session: Session, *, form: FormData | None = None,
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    cursor = request.query_params.get("cursor") or None
    rows = discounts.listing(session, fetch_size(PAGE), cursor[:64] if cursor else None)
    page, next_cursor = keyset_page(rows, PAGE, lambda r: r.id)
    return console.render(
        request, "admin/coupons.html", status=status, coupons=[row_view(r) for r in page],
        next_cursor=next_cursor, form=form or FormData(), errors=errors or {},
        chosen={"products": form.get_all("products") if form else [],
                "kinds": form.get_all("kinds") if form else []},
        products=[(p.code, f"{p.name} ({p.code})") for p in catalog.list_products(session)],
        kind_options=[(k, k) for k in KINDS], duration_options=[(d, d) for d in DURATIONS],
        currencies=sorted(MINOR_UNIT_DIGITS),
        done=request.query_params.get("done", ""),
        done_code=request.query_params.get("code", "")[:40])


@router.get("/admin/coupons")
def coupons(request: Request, session: ReadSession, _staff: Staff) -> Response:
    return _page(request, session)


def terms_from_form(form: FormData) -> discounts.CouponTerms:
    """The form's fields as the service's terms (a badly typed one: 422 naming it)."""
    def text(name: str) -> str:
        return form.get(name, "").strip()

    currency = text("currency") or "USD"
    repeating = text("duration") == "repeating"
    return discounts.CouponTerms(
        code=text("code"), name=text("name")[:200] or None,
        percent_off=percent_from_text(text("percent_off")) if text("percent_off") else None,
        amount_off=money_from_text(text("amount_off"), currency, "amount_off")
        if text("amount_off") else None,
        products=form.get_all("products"), kinds=form.get_all("kinds"),
        duration=text("duration") or "once",
        # Months count only for "repeating" (typed, then another duration chosen: ignored).
        duration_in_months=int_from_text(text("duration_in_months"), "duration_in_months")
        if repeating and text("duration_in_months") else None,
        max_redemptions=int_from_text(text("max_redemptions"), "max_redemptions")
        if text("max_redemptions") else None,
        redeem_by=moment_from_text(text("redeem_by")) if text("redeem_by") else None,
        once_per_customer=form.get("once_per_customer", "") == "on",
        minimum_amount=money_from_text(text("minimum_amount"), currency, "minimum_amount")
        if text("minimum_amount") else None)


def _field(exc: LicensorError) -> str:
    if exc.code == "COUPON_EXISTS":
        return "code"
    field = str(exc.details.get("field", "")) if exc.code == "INVALID_REQUEST" else ""
    return FIELDS.get(field, field) or "_form"


@router.post("/admin/coupons")
def create(request: Request, ctx: Ctx, session: WriteSession, member: StaffAdmin,
           form: Form) -> Response:
    try:
        row = discounts.add_coupon(session, terms_from_form(form), now=now_for(ctx, session),
                                   actor=member.actor)
    except LicensorError as exc:
        return _page(request, session, form=form, status=exc.status,
                     errors={_field(exc): exc.message, "_code": exc.code})
    return redirect(request, f"/admin/coupons?done=created&code={row.code}")


def _set_active(request: Request, ctx: Ctx, session: Session, member: console.StaffMember,
                form: FormData, code: str, active: bool) -> Response:
    if not confirmed(form):
        word = "Enable" if active else "Disable"
        does = ("Buyers can use it again at checkout and on billing pages, within its terms."
                if active else "Buyers can no longer use it; discounts already given stay.")
        row = discounts.get_coupon(session, code)  # an unknown code: 404 before asking
        return confirm_page(request, form, title=f"{word} the coupon {row.code}",
                            what=[does], button=word, back="/admin/coupons", danger=not active)
    row = discounts.set_active(session, code, active, now=now_for(ctx, session),
                               actor=member.actor)
    return redirect(request, f"/admin/coupons?done={'enabled' if active else 'disabled'}"
                             f"&code={row.code}")


@router.post("/admin/coupons/{code}/disable")
def disable(request: Request, ctx: Ctx, session: WriteSession, member: StaffAdmin, form: Form,
            code: str) -> Response:
    return _set_active(request, ctx, session, member, form, code, False)


@router.post("/admin/coupons/{code}/enable")
def enable(request: Request, ctx: Ctx, session: WriteSession, member: StaffAdmin, form: Form,
           code: str) -> Response:
    return _set_active(request, ctx, session, member, form, code, True)
