"""The holder's page (/license) and lost keys (/lost-key)."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from licensor.catalog import service as catalog
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.web.deps import Ctx, WriteSession, deliver_mail, now_for
from licensor.core.web.portal import Form, render
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
def license_start(request: Request) -> Response:
    return render(request, "licenses/license.html", form={}, errors={})


@router.post("/license")
def license_show(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    return _license_page(request, ctx, session, form)


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
    return _license_page(request, ctx, session, form,
                         notice=f"{user} was removed: their seat is free.")


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
    return _license_page(request, ctx, session, form,
                         notice=f"The License Information is on its way to {holder.masked(to)}.")


@router.get("/lost-key")
def lost_key_start(request: Request) -> Response:
    return render(request, "licenses/lost_key.html", sent=False, errors={}, form={})


@router.post("/lost-key")
async def lost_key_post(request: Request, ctx: Ctx, form: Form,
                        background: BackgroundTasks) -> Response:
    email = form.get("email", "").strip()
    if not email:
        return render(request, "licenses/lost_key.html", status=422, sent=False, form=form,
                      errors={"email": "Enter the email address the licenses were bought "
                                       "with."})
    # As the API: the same page at once, whether or not the address bought anything; the
    # look-up and the mail follow after the answer.
    background.add_task(_send_lost_keys, ctx, email)
    return render(request, "licenses/lost_key.html", sent=True, errors={}, form={})


def _send_lost_keys(ctx: Context, email: str) -> None:
    try:
        with ctx.db.transaction() as session:
            licenses.mail_lost_keys(ctx, session, email, ctx.clock.now(session))
        deliver_mail(ctx)
    except Exception:  # nobody waits for this answer: logged, as the jobs loop does
        import logging

        logging.getLogger("licensor").exception("lost-key mail failed")
