"""A site's data in its owner's hands: **Export data** (the site, its members and projects as
a JSON file, the API's export) and **Delete site** (a confirmation step: the owner types the
site's name). Both are what the suspension mail offers; both work while the site is suspended."""

from __future__ import annotations

import json
import re

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from licensor.accounts.deps import page_account, sign_in_first
from licensor.accounts.service import AccountRow
from licensor.core.errors import LicensorError
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.portal import Form, finish, redirect, render
from licensor.subscriptions import endpoints as site_api
from licensor.subscriptions import overview, sites
from licensor.subscriptions.access import require_owner

router = APIRouter(include_in_schema=False)


def _owned(session: Session, account: AccountRow, site_id: str) -> overview.SiteView:
    view = overview.site_view(session, account, site_id)
    require_owner(view.site, account)  # 403 page for staff and members
    return view


@router.get("/sites/{site_id}/export")
def export(request: Request, site_id: str, session: ReadSession) -> Response:
    account = page_account(request)
    if account is None:
        return sign_in_first(request)
    _owned(session, account, site_id)
    data = site_api.export_site(site_id, session, account)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", data["site"]["name"]).strip("-").lower() or "site"
    return finish(request, Response(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="site-{slug}.json"'}))


def _delete_page(request: Request, view: overview.SiteView, *, errors: dict[str, str],
                 status: int = 200) -> Response:
    return render(request, "subscriptions/site_delete.html", status=status, view=view,
                  errors=errors)


@router.get("/sites/{site_id}/delete")
def delete_confirm(request: Request, site_id: str, session: ReadSession) -> Response:
    account = page_account(request)
    if account is None:
        return sign_in_first(request)
    return _delete_page(request, _owned(session, account, site_id), errors={})


@router.post("/sites/{site_id}/delete")
def delete(request: Request, site_id: str, ctx: Ctx, session: WriteSession,
           form: Form) -> Response:
    account = page_account(request)
    if account is None:
        return sign_in_first(request)
    view = _owned(session, account, site_id)
    typed = " ".join(form.get("confirm_name", "").split())
    if typed.casefold() != " ".join(view.site.name.split()).casefold():
        exc = LicensorError("SITE_NAME_MISMATCH", f"Type the site's name, {view.site.name}, "
                            "to confirm that it is the site to delete; nothing was deleted.",
                            {"field": "confirm_name"}, status=422)
        return _delete_page(request, view, status=exc.status,
                            errors={"confirm_name": exc.message, "_code": exc.code})
    name = view.site.name
    sites.delete_site(session, account, site_id, now_for(ctx, session))
    return redirect(request, "/sites?deleted=" + re.sub(r"[^\w .-]", "", name)[:80])
