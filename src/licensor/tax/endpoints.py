"""Tax rates, the tax report and credit notes over HTTP (docs/tax.md tells the vendor's side)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from licensor.config import Settings
from licensor.core.documents import document_pdf
from licensor.core.web.deps import Admin, Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.openapi import refusals
from licensor.tax import documents, rates
from licensor.tax.credit_notes import credit_note_document
from licensor.tax.schemas import TaxRate, TaxRateList, TaxReport

router = APIRouter(tags=["tax"])


class RateBody(BaseModel):
    rate: str = Field(max_length=8, description='Percent as text: "19", "25.5"')
    effective_from: str = Field(max_length=10, description="YYYY-MM-DD: the first day it applies")

    model_config = {"json_schema_extra": {"examples": [
        {"rate": "25.5", "effective_from": "2024-09-01"}]}}


@router.get("/v1/tax-rates", operation_id="listTaxRates", response_model=TaxRateList)
def list_rates(session: ReadSession) -> dict[str, Any]:
    return {"data": rates.listing(session)}


@router.put("/v1/tax-rates/{country}", operation_id="putTaxRate", response_model=TaxRate)
def record_rate(country: str, body: RateBody, ctx: Ctx, session: WriteSession,
                admin: Admin) -> dict[str, Any]:
    entry = rates.record_rate(session, country, body.model_dump(), now=now_for(ctx, session),
                              actor=admin)
    return rates.rate_view(entry)


@router.get("/v1/reports/tax", operation_id="getTaxReport", response_model=TaxReport)
def tax_report(session: ReadSession, _admin: Admin,
               start: str | None = Query(default=None, alias="from", max_length=10,
                                         description="YYYY-MM-DD, included"),
               end: str | None = Query(default=None, alias="to", max_length=10,
                                       description="YYYY-MM-DD, included")) -> dict[str, Any]:
    first, last = documents.report_range(start, end)
    return {"data": documents.tax_report(session, first, last)}


@router.get("/v1/credit-notes/{credit_note_id}/pdf", operation_id="getCreditNotePdf",
            response_class=Response,
            responses={200: {"content": {"application/pdf": {"schema": {
                "type": "string", "format": "binary"}}}}, **refusals(
                "CREDIT_NOTE_NOT_FOUND")})
def credit_note_pdf(credit_note_id: str, ctx: Ctx, session: ReadSession,
                    _admin: Admin) -> Response:
    settings: Settings = ctx.settings
    row = documents.get_credit_note(session, credit_note_id)
    return Response(document_pdf(credit_note_document(settings, row)),
                    media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{row.number}.pdf"'})
