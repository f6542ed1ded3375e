"""The pages where a customer runs their own account: a forgotten password (/password-reset,
its mailed link /password-reset/{token}) and /account (name, email, password; a new email is
confirmed by the link mailed to it, /account/email/{token}). Each mailed link opens a page with
one button, so a mail scanner that fetches links acts on nothing."""

from __future__ import annotations

import logging

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response

from licensor.accounts import links
from licensor.accounts.deps import page_account
from licensor.accounts.models import AccountRow
from licensor.core import mail
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.web.deps import Ctx, ReadSession, WriteSession, deliver_mail, now_for
from licensor.core.web.portal import Form, redirect, render

router = APIRouter(include_in_schema=False)
log = logging.getLogger("licensor")

BAD_EMAIL = "Enter an email address such as ana@example.com."
BAD_PASSWORD = "Choose a password (up to 200 characters)."
TAKEN = "Another account already uses this email; choose another one."


# -- forgotten password -----------------------------------------------------------------------

@router.get("/password-reset")
def reset_start(request: Request) -> Response:
    return render(request, "accounts/password_reset.html", form={}, errors={},
                  sent=request.query_params.get("sent") == "1")


@router.post("/password-reset")
async def reset_request(request: Request, ctx: Ctx, form: Form,
                        background: BackgroundTasks) -> Response:
    email = form.get("email", "").strip()
    if not mail.EMAIL_RE.match(email) or len(email) > mail.EMAIL_MAX_LENGTH:
        return render(request, "accounts/password_reset.html", status=422, form=form,
                      errors={"email": BAD_EMAIL}, sent=False)
    # The same answer at once whether or not the address has an account: the look-up and
    # the mail follow after it, so not even the time taken tells.
    background.add_task(_send_reset, ctx, email)
    return redirect(request, "/password-reset?sent=1")


def _send_reset(ctx: Context, email: str) -> None:
    try:
        with ctx.db.transaction() as session:
            links.request_password_reset(session, email, ctx.clock.now(session))
        deliver_mail(ctx)
    except Exception:  # nobody waits for this answer: logged, as the jobs loop does
        log.exception("password reset mail failed")


def _expired(request: Request, exc: LicensorError) -> Response:
    return render(request, "accounts/link_expired.html", status=exc.status,
                  message=exc.message)


@router.get("/password-reset/{token}")
def reset_form(request: Request, token: str, ctx: Ctx, session: ReadSession) -> Response:
    try:
        links.live_link(session, token, links.PASSWORD, now_for(ctx, session))
    except LicensorError as exc:
        return _expired(request, exc)
    return render(request, "accounts/password_new.html", token=token, errors={})


@router.post("/password-reset/{token}")
def reset_set(request: Request, token: str, ctx: Ctx, session: WriteSession,
              form: Form) -> Response:
    password = form.get("password", "")
    if not password or len(password) > 200:
        return render(request, "accounts/password_new.html", status=422, token=token,
                      errors={"password": BAD_PASSWORD})
    try:
        links.reset_password(session, token, password, now_for(ctx, session),
                             ctx.clock.real_now())
    except LicensorError as exc:
        return _expired(request, exc)
    return redirect(request, "/login?reset=1")


# -- /account -----------------------------------------------------------------------------------

NOTICES = {"saved": "Your changes are saved.",
           "confirm": "Your name and password are saved. We sent a link to the new email "
                      "address: your email changes when you follow it (within an hour).",
           "email": "Your new email address is confirmed: sign in with it from now on."}


def _account_page(request: Request, account: AccountRow, form: dict[str, str] | None = None,
                  errors: dict[str, str] | None = None, status: int = 200) -> Response:
    values = form or {"name": account.name, "email": account.email}
    return render(request, "accounts/account.html", status=status, form=values,
                  errors=errors or {},
                  notice=NOTICES.get(request.query_params.get("done", ""), ""))


@router.get("/account")
def account_form(request: Request) -> Response:
    account = page_account(request)
    if account is None:
        return redirect(request, "/login?next=/account")
    return _account_page(request, account)


@router.post("/account")
def account_save(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    account = page_account(request)
    if account is None:
        return redirect(request, "/login?next=/account")
    name, email, password = (form.get("name", "").strip(), form.get("email", "").strip(),
                             form.get("password", ""))
    errors = _account_errors(name, email, password)
    if not errors:
        try:
            sent = links.update_account(session, account, name=name, email=email,
                                        password=password, now=now_for(ctx, session))
        except LicensorError as exc:
            errors = {"email": TAKEN if exc.code == "EMAIL_TAKEN" else exc.message}
    if errors:
        return _account_page(request, account, form=form, errors=errors, status=422)
    return redirect(request, "/account?done=" + ("confirm" if sent else "saved"))


def _account_errors(name: str, email: str, password: str) -> dict[str, str]:
    errors = {}
    if not name or len(name) > 200:
        errors["name"] = "Enter your name (up to 200 characters)."
    if not mail.EMAIL_RE.match(email) or len(email) > mail.EMAIL_MAX_LENGTH:
        errors["email"] = BAD_EMAIL
    if len(password) > 200:
        errors["password"] = BAD_PASSWORD
    return errors


@router.get("/account/email/{token}")
def email_form(request: Request, token: str, ctx: Ctx, session: ReadSession) -> Response:
    try:
        link = links.live_link(session, token, links.EMAIL, now_for(ctx, session))
    except LicensorError as exc:
        return _expired(request, exc)
    return render(request, "accounts/email_confirm.html", token=token, new_email=link.new_email,
                  errors={})


@router.post("/account/email/{token}")
def email_confirm(request: Request, token: str, ctx: Ctx, session: WriteSession,
                  form: Form) -> Response:
    try:
        links.confirm_email(session, token, now_for(ctx, session))
    except LicensorError as exc:
        if exc.code == "EMAIL_TAKEN":
            return render(request, "accounts/link_expired.html", status=exc.status,
                          message=TAKEN)
        return _expired(request, exc)
    signed_in = page_account(request) is not None
    return redirect(request, "/account?done=email" if signed_in else "/login?changed=1")


