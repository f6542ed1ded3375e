"""The console's tax report (/admin/tax): a period's net and tax per country, treatment,
currency and rate, as the One-Stop Shop return asks, with Download CSV; and credit notes as
PDF for staff."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from licensor.core.documents import document_pdf
from licensor.core.errors import LicensorError
from licensor.core.web import console
from licensor.core.web.console import Staff
from licensor.core.web.deps import Ctx, ReadSession
from licensor.tax import documents
from licensor.tax.credit_notes import credit_note_document

router = APIRouter(include_in_schema=False)


def _last_quarter(today: date) -> tuple[date, date]:
    """The calendar quarter before today's: the period a vendor files next."""
    first_month = (today.month - 1) // 3 * 3 + 1
    start = date(today.year, first_month, 1)
    end_of_previous = date.fromordinal(start.toordinal() - 1)
    previous_first = (end_of_previous.month - 1) // 3 * 3 + 1
    return date(end_of_previous.year, previous_first, 1), end_of_previous


def _period(request: Request, now: datetime) -> tuple[str, str]:
    default = _last_quarter(now.date())
    start = request.query_params.get("from", "")[:10] or default[0].isoformat()
    end = request.query_params.get("to", "")[:10] or default[1].isoformat()
    return start, end


@router.get("/admin/tax")
def tax_page(request: Request, ctx: Ctx, session: ReadSession, _staff: Staff) -> Response:
    start, end = _period(request, ctx.clock.now(session))
    try:
        first, last = documents.report_range(start, end)
    except LicensorError as exc:
        return console.render(request, "admin/tax.html", status=422, rows=[], start=start,
                              end=end, errors={exc.details.get("field", "from"): exc.message})
    return console.render(request, "admin/tax.html", rows=documents.tax_report(session, first,
                                                                              last),
                          start=first.isoformat(), end=last.isoformat(), errors={})


@router.get("/admin/tax.csv")
def tax_csv(request: Request, ctx: Ctx, session: ReadSession, _staff: Staff) -> Response:
    start, end = _period(request, ctx.clock.now(session))
    first, last = documents.report_range(start, end)
    text = documents.report_csv(documents.tax_report(session, first, last))
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="tax-{first}-{last}.csv"'})


@router.get("/admin/credit-notes/{credit_note_id}.pdf")
def credit_note_pdf(credit_note_id: str, ctx: Ctx, session: ReadSession,
                    _staff: Staff) -> Response:
    row = documents.get_credit_note(session, credit_note_id)
    return Response(document_pdf(credit_note_document(ctx.settings, row)),
                    media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{row.number}.pdf"'})
