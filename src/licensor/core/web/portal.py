"""Web pages: templates, security headers, cookies, CSRF and the formats people read.

Every capability's `pages.py` renders through `render`, reads forms through `Form` (which
refuses a POST without a valid CSRF token with a 403 page) and formats money and dates with
the filters registered here, so every page looks and behaves alike. Imports no capability.

CSRF is a signed double submit: the browser holds a random value in an HttpOnly, SameSite=Lax
cookie, and every form carries HMAC(secret, value). A page on another site can neither read
the cookie nor compute the signature, so it cannot forge a form; the secret lives in the data
directory (`portal-secret`, owner-only), shared by every worker of the installation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.formats import human_date, human_time, install_filters, money  # noqa: F401
from licensor.core.web import brand
from licensor.core.web.clients import is_https
from licensor.core.web.plain_words import plain

PACKAGE = Path(__file__).resolve().parents[2]
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"

CSRF_COOKIE = "licensor_csrf"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "licensor_session"

# No inline script or style anywhere: every script and stylesheet is a file served by Licensor.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}

# The one exception to "every asset served by Licensor": Stripe requires its card element to be
# loaded from js.stripe.com (PCI: card numbers go straight to Stripe, never through us). Only
# the pages that take a card allow it (`allow_stripe`), and only when Stripe is configured.
STRIPE_JS = "https://js.stripe.com/v3"
STRIPE_CSP = SECURITY_HEADERS["Content-Security-Policy"].replace(
    "script-src 'self';", "script-src 'self' https://js.stripe.com; "
    "frame-src https://js.stripe.com; connect-src 'self' https://api.stripe.com;")


def stripe_key(request: Request) -> str | None:
    """The publishable key when Stripe takes the cards (both keys set), and the page's CSP then
    allows Stripe's hosts; None otherwise (sandbox or no Stripe: the Card token field)."""
    ctx: Context = request.app.state.ctx
    key = ctx.settings.stripe_publishable_key
    if not (ctx.settings.stripe_secret_key and key):
        return None
    request.state.stripe_csp = True
    return key


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    install_filters(env)  # money, date, time: core/formats, shared with documents and mail
    env.filters["plain"] = plain  # a refusal in a customer's words (core/web/plain_words)
    return env


templates = _environment()


# -- secrets and CSRF ---------------------------------------------------------------------------

def portal_secret(ctx: Context) -> bytes:
    """The installation's secret for CSRF, cookies and order links, shared by every host: sealed
    in the database (core/secrets.py). An installation from before keeps the secret of its
    LICENSOR_HOME/portal-secret file (links already mailed stay valid)."""
    def make() -> bytes:
        legacy = Path(ctx.settings.home) / "portal-secret"
        if legacy.is_file() and len(legacy.read_text().strip()) >= 32:
            return legacy.read_text().strip().encode()
        return secrets.token_hex(32).encode()

    return ctx.secrets.shared(ctx.db, "portal", make)


def sign(ctx: Context, purpose: str, value: str) -> str:
    digest = hmac.new(portal_secret(ctx), f"{purpose}:{value}".encode(), hashlib.sha256)
    return digest.hexdigest()


def _csrf_value(request: Request) -> str:
    value = request.cookies.get(CSRF_COOKIE, "")
    if len(value) != 32 or not value.isalnum():
        value = request.state.__dict__.setdefault("new_csrf", secrets.token_hex(16))
    return value


def csrf_token(request: Request) -> str:
    ctx: Context = request.app.state.ctx
    return sign(ctx, "csrf", _csrf_value(request))


class CsrfRefused(Exception):
    pass


def check_csrf(request: Request, submitted: str) -> None:
    value = request.cookies.get(CSRF_COOKIE, "")
    ctx: Context = request.app.state.ctx
    if not value or not submitted or not hmac.compare_digest(
            sign(ctx, "csrf", value), submitted):
        raise CsrfRefused()


# -- responses ----------------------------------------------------------------------------------

def secure(request: Request) -> bool:
    return is_https(request)


def set_cookie(request: Request, response: Response, name: str, value: str, *,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=secure(request), path="/")


def finish(request: Request, response: Response) -> Response:
    """Security headers on every page, and the CSRF cookie when this visit has none yet."""
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    if getattr(request.state, "stripe_csp", False):
        response.headers["Content-Security-Policy"] = STRIPE_CSP
    response.headers["Cache-Control"] = "no-store"
    new = request.state.__dict__.get("new_csrf")
    if new:
        set_cookie(request, response, CSRF_COOKIE, new)
    return response


# Who is signed in, for every page's header: set by the accounts capability (core knows no
# accounts); None when no capability registered one.
signed_in: Callable[[Request], Any] | None = None


def render(request: Request, template: str, status: int = 200, **values: Any) -> Response:
    page = templates.get_template(template)
    ctx: Context = request.app.state.ctx
    if not hasattr(request.state, "account") and signed_in is not None:
        signed_in(request)
    try:
        token = csrf_token(request)
    except LicensorError:  # this host cannot open the portal's secret: the error page says so
        if not template.endswith("error.html"):
            raise
        token = ""
    # settings: the vendor's terms (Net N, minimums) are written from their values
    html = page.render(request=request, csrf_token=token,
                       vendor_name=ctx.settings.brand, settings=ctx.settings,
                       brand_logo=ctx.settings.brand_logo is not None,
                       account=getattr(request.state, "account", None), **values)
    return finish(request, HTMLResponse(html, status_code=status))


def redirect(request: Request, url: str) -> Response:
    return finish(request, RedirectResponse(url, status_code=303))


def refusal_page(request: Request, code: str, message: str, status: int) -> Response:
    if request.url.path.startswith("/admin"):  # the console's own look, its member named
        return render(request, "admin/error.html", status=status, code=code, message=message,
                      staff=request.state.__dict__.get("staff"))
    # A refusal for who is asking (not signed in, not the owner): a page saying so, with the
    # way to sign in (as someone else).
    template = "forbidden.html" if status == 403 else "error.html"
    return render(request, template, status=status, code=code, message=message)


def server_error_page(request: Request) -> Response:
    """The 500 page for browsers. Drawn without the database (it may be what failed): no
    account in the header, no CSRF token; plain text if even the template fails."""
    ctx: Context | None = getattr(request.app.state, "ctx", None)
    vendor = ctx.settings.brand if ctx is not None else "Licensor"
    try:
        html = templates.get_template("server_error.html").render(
            request=request, csrf_token="", vendor_name=vendor,
            settings=ctx.settings if ctx is not None else None, account=None)
    except Exception:  # noqa: BLE001 — the last resort must not fail
        html = ("<!doctype html><title>Something went wrong</title><h1>Something went wrong "
                'on our side</h1><p><a href="/">Go to the home page</a></p>')
    response = HTMLResponse(html, status_code=500)
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


# -- forms --------------------------------------------------------------------------------------

class FormData(dict[str, str]):
    """A posted form's fields (the last value of each), CSRF already checked."""

    def get_all(self, name: str) -> list[str]:
        return self.__dict__.get("all", {}).get(name, [])


async def read_form(request: Request) -> FormData:
    """The urlencoded form of a POST; 403 CSRF_TOKEN_INVALID (a page) without a valid token.
    Read here, asynchronously, so the page itself can run in a worker thread."""
    body = await request.body()
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True,
                      max_num_fields=200)
    form = FormData({k: v[-1] for k, v in parsed.items()})
    form.__dict__["all"] = parsed
    check_csrf(request, form.get(CSRF_FIELD, ""))
    return form


Form = Annotated[FormData, Depends(read_form)]


def install(app: Any) -> None:
    """Static files, the 403 page of a refused form, and refusals on pages as pages (the API's
    addresses under /v1 keep their JSON)."""
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from licensor.core.web.errors import bug_response, error_response, http_error

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    brand.install(app)  # /style.css (portal.css in the brand's colours) and /brand/logo

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _exc: CsrfRefused) -> Response:
        return refusal_page(request, "CSRF_TOKEN_INVALID", "This form expired or did not come "
                            "from this site, so nothing was done. Go back, reload the page and "
                            "send the form again.", 403)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # A browser that follows a dead link gets a page with a way home; API clients (and
        # anything under /v1) keep the JSON answer.
        if exc.status_code == 404 and is_page(request) and wants_html(request):
            if request.url.path.startswith("/admin"):
                return refusal_page(request, "NOT_FOUND", "There is no such page in the "
                                    "console.", 404)
            return render(request, "not_found.html", status=404)
        return http_error(exc)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        answer = bug_response(exc)  # logged either way; API clients keep the JSON
        if is_page(request) and wants_html(request):
            return server_error_page(request)
        return answer

    @app.exception_handler(LicensorError)
    async def _licensor(request: Request, exc: LicensorError) -> Response:
        if is_page(request):
            return refusal_page(request, exc.code, exc.message, exc.status)
        return error_response(exc.code, exc.message, exc.status, exc.details, exc.headers)


def is_page(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith(("/v1/", "/docs")) or path in ("/healthz", "/openapi.json"))


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")
