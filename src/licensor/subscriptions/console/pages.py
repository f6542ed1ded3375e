"""The console's subscriptions: search by site, owner or Google ID; a subscription's page with
its invoices, plan changes and credit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from licensor.accounts import service as accounts
from licensor.core.web import console
from licensor.core.web.console import Staff
from licensor.core.web.deps import ReadSession
from licensor.subscriptions.console import service as subscriptions

router = APIRouter(include_in_schema=False)


@router.get("/admin/subscriptions")
def find(request: Request, session: ReadSession, _staff: Staff, q: str = "") -> Response:
    return console.render(request, "admin/subscriptions.html", q=q,
                          results=subscriptions.search(session, q), searched=bool(q.strip()))


@router.get("/admin/subscriptions/{subscription_id}")
def show(request: Request, session: ReadSession, _staff: Staff,
         subscription_id: str) -> Response:
    found = subscriptions.dossier(session, subscription_id)
    return console.render(request, "admin/subscription.html", d=found,
                          names=accounts.audit_names(session, found.audit))
