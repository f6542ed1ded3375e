"""Sign up, log in, log out: the portal's session is a cookie holding an account token, the
same kind of token the API's bearer calls use (and ended the same way)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from licensor.accounts import service as accounts
from licensor.accounts.deps import page_account
from licensor.core import mail
from licensor.core.errors import LicensorError
from licensor.core.web import portal
from licensor.core.web.deps import Ctx, WriteSession, commit, now_for
from licensor.core.web.portal import SESSION_COOKIE, Form, redirect, render, set_cookie

router = APIRouter(include_in_schema=False)
portal.signed_in = page_account  # every page's header shows who is signed in

COOKIE_AGE = int(accounts.SESSION_LIFETIME.total_seconds())
# Where a mailed link leads back to the login page (/login?reset=1).
LOGIN_NOTICES = {"reset": "Your new password is set: log in with it.",
                 "changed": "Your new email address is confirmed: log in with it."}


def _next(url: str) -> str:
    """Only a path on this site: a login link cannot send anyone elsewhere."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return "/sites"
    return url


def _signed_in(request: Request, token: str, to: str) -> Response:
    response = redirect(request, _next(to))
    set_cookie(request, response, SESSION_COOKIE, token, max_age=COOKIE_AGE)
    return response


@router.get("/signup")
def signup_form(request: Request) -> Response:
    return render(request, "accounts/signup.html", form={}, errors={})


@router.post("/signup")
def signup(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    name, email, password = (form.get("name", "").strip(), form.get("email", "").strip(),
                             form.get("password", ""))
    errors = {}
    if not name:
        errors["name"] = "Enter your name."
    if not mail.EMAIL_RE.match(email):
        errors["email"] = "Enter an email address such as ana@example.com."
    if not password or len(password) > 200:
        errors["password"] = "Choose a password (up to 200 characters)."
    if errors:
        return render(request, "accounts/signup.html", status=422, form=form, errors=errors)
    try:
        _row, token = accounts.create_account(session, email=email, name=name,
                                              password=password, now=now_for(ctx, session),
                                              session_now=ctx.clock.real_now())
    except LicensorError as exc:
        return render(request, "accounts/signup.html", status=exc.status, form=form,
                      errors={"email": exc.message.replace(
                          "log in with POST /v1/sessions instead", "log in instead"),
                          "_code": exc.code})
    return _signed_in(request, token, form.get("next", "/sites"))


@router.get("/login")
def login_form(request: Request) -> Response:
    return render(request, "accounts/login.html", form={"next": request.query_params.get(
        "next", "/sites")}, errors={}, notice=LOGIN_NOTICES.get(
        next((k for k in LOGIN_NOTICES if request.query_params.get(k) == "1"), ""), ""))


@router.post("/login")
def login(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    try:
        token = accounts.log_in(session, email=form.get("email", ""),
                                password=form.get("password", ""), now=now_for(ctx, session),
                                session_now=ctx.clock.real_now())
    except LicensorError as exc:
        commit(ctx, session)  # a wrong password counts towards the lockout, as in the API
        return render(request, "accounts/login.html", status=exc.status, form=form,
                      errors={"password": exc.message, "_code": exc.code})
    return _signed_in(request, token, form.get("next", "/sites"))


@router.get("/logout")
def logout_form(request: Request) -> Response:
    page_account(request)
    return render(request, "accounts/logout.html")


@router.post("/logout")
def logout(request: Request, ctx: Ctx, session: WriteSession, form: Form) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    if token and len(token) <= 200:
        accounts.end_session(session, token, ctx.clock.real_now())
    response = redirect(request, "/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
