"""The holder's page (/license) and lost keys (/lost-key)."""

from __future__ import annotations

import base64
import hmac
import json
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from licensor.catalog import service as catalog
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.web.clients import is_https
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, deliver_mail, now_for
from licensor.core.web.portal import Form, redirect, render, sign
from licensor.licenses import holder
from licensor.licenses import service as licenses
from licensor.licenses.pasted import read_pasted
from licensor.licenses.registrations import service as registrations

router = APIRouter(include_in_schema=False)


def _license_page(request: Request, ctx: Context, session: Session, form: dict[str, str], *,
                  notice: str = "", errors: dict[str, str] | None = None,
                  status: int = 200) -> Response:
    name, key = read_pasted(form.get("license_name", ""), form.get("license_key", ""))
    values = {"license_name": name, "license_key": key}
    try:
        row, current = holder.lookup(ctx, session, name, key)
    except LicensorError as exc:
        return render(request, "licenses/license.html", status=exc.status, form=values,
                      errors={"license_key": exc.message, "_code": exc.code})
    product = catalog.get_product(session, row.product)
    return render(request, "licenses/license.html", status=status, form=values, license=row,
                  current=current, product=product, notice=notice, errors=errors or {},
                  users=holder.registered_users(session, row), email=holder.masked(row.email))


@router.get("/license")
def license_start(request: Request, ctx: Ctx, session: ReadSession) -> Response:
    done = _remembered(request, ctx) if request.query_params.get("done") else None
    try:
        row = licenses.get_license(session, str(done["license"])) if done else None
    except LicensorError:  # gone since: the form again
        row = None
    if done is None or row is None:
        return render(request, "licenses/license.html", form={}, errors={})
    return _license_page(request, ctx, session, {"license_name": row.license_name,
                                                 "license_key": row.license_key},
                         notice=str(done.get("notice", "")))


@router.post("/license")
def license_show(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    return _license_page(request, ctx, session, form)


# After Remove or Resend the page is fetched again (post/redirect/get: reloading repeats
# nothing). The License Key never goes into the address: a short-lived signed cookie, for
# /license only, names the license whose page to show once, with what was done.
HOLDER_COOKIE = "licensor_holder"
HOLDER_SECONDS = 600


def _done(request: Request, ctx: Context, license_id: str, notice: str) -> Response:
    expires = int(ctx.clock.real_now().timestamp()) + HOLDER_SECONDS
    payload = base64.urlsafe_b64encode(json.dumps(
        {"license": license_id, "expires": expires, "notice": notice}).encode()).decode()
    response = redirect(request, "/license?done=1")
    response.set_cookie(HOLDER_COOKIE, f"{payload}.{sign(ctx, 'holder', payload)}",
                        max_age=HOLDER_SECONDS, path="/license", httponly=True,
                        samesite="strict", secure=is_https(request))
    return response


def _remembered(request: Request, ctx: Context) -> dict[str, Any] | None:
    payload, _, signature = request.cookies.get(HOLDER_COOKIE, "").partition(".")
    if not payload or not hmac.compare_digest(sign(ctx, "holder", payload), signature):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except ValueError:
        return None
    if not isinstance(data, dict) or int(data.get("expires", 0)) < ctx.clock.real_now().timestamp():
        return None
    return data


def _pasted_license_id(ctx: Context, session: Session, form: dict[str, str]) -> str:
    name, key = read_pasted(form.get("license_name", ""), form.get("license_key", ""))
    found = licenses.validate(ctx, session, name, key).license
    return str(found["id"]) if found else ""


@router.post("/license/remove")
def license_remove(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    name, key = read_pasted(form.get("license_name", ""), form.get("license_key", ""))
    user = form.get("user", "")
    try:
        registrations.unregister(ctx, session, license_name=name, license_key=key, user=user,
                                 now=now_for(ctx, session))
    except LicensorError as exc:
        return _license_page(request, ctx, session, form, status=exc.status,
                             errors={"users": exc.message, "_code": exc.code})
    return _done(request, ctx, _pasted_license_id(ctx, session, form),
                 f"{user} was removed: their seat is free.")


@router.post("/license/resend")
def license_resend(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    name, key = read_pasted(form.get("license_name", ""), form.get("license_key", ""))
    try:
        row, _ = holder.lookup(ctx, session, name, key)
        to = holder.resend(session, row, catalog.get_product(session, row.product).name,
                           now_for(ctx, session))
    except LicensorError as exc:
        return _license_page(request, ctx, session, form, status=exc.status,
                             errors={"resend": exc.message, "_code": exc.code})
    return _done(request, ctx, _pasted_license_id(ctx, session, form),
                 f"The License Information is on its way to {holder.masked(to)}.")


@router.get("/lost-key")
def lost_key_start(request: Request) -> Response:
    return render(request, "licenses/lost_key.html", errors={}, form={},
                  sent=request.query_params.get("sent") == "1")


@router.post("/lost-key")
async def lost_key_post(request: Request, ctx: Ctx, form: Form,
                        background: BackgroundTasks) -> Response:
    email = form.get("email", "").strip()
    if not email:
        return render(request, "licenses/lost_key.html", status=422, sent=False, form=form,
                      errors={"email": "Enter the email address the licenses were bought "
                                       "with."})
    # As the API: the same answer at once, whether or not the address bought anything; the
    # look-up and the mail follow after it. Redirected: reloading sends no second mail.
    background.add_task(_send_lost_keys, ctx, email)
    return redirect(request, "/lost-key?sent=1")


def _send_lost_keys(ctx: Context, email: str) -> None:
    try:
        with ctx.db.transaction() as session:
            licenses.mail_lost_keys(ctx, session, email, ctx.clock.now(session))
        deliver_mail(ctx)
    except Exception:  # nobody waits for this answer: logged, as the jobs loop does
        import logging

        logging.getLogger("licensor").exception("lost-key mail failed")
