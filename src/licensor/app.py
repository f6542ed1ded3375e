"""The FastAPI application: routers per capability, one error handler, idempotency."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException
from starlette.requests import Request

from licensor import __version__, capabilities  # noqa: F401  (registers jobs, events, kinds)
from licensor.accounts import endpoints as accounts_endpoints
from licensor.accounts import pages as accounts_pages
from licensor.accounts.self_service import pages as accounts_self_pages
from licensor.catalog import endpoints as catalog_endpoints
from licensor.catalog import pages as catalog_pages
from licensor.config import Settings
from licensor.core import events, jobs, payments
from licensor.core.context import Context, build_context
from licensor.core.web import console, errors, openapi, portal, sandbox, webhooks
from licensor.core.web.clients import ClientAddresses, trusted_networks
from licensor.core.web.idempotency import RequestBoundary
from licensor.core.web.limits import BodyLimit
from licensor.core.web.nul import refuse_nul
from licensor.core.web.openapi import refusals
from licensor.core.web.rate_limit import ROUTES, RateLimitMiddleware, limiter_for
from licensor.core.web.schemas import Health
from licensor.discounts import endpoints as discounts_endpoints
from licensor.discounts.console import pages as discounts_admin_pages
from licensor.discounts.credits import endpoints as discounts_credit_endpoints
from licensor.licenses import endpoints as licenses_endpoints
from licensor.licenses import pages as licenses_pages
from licensor.licenses.hot_path import PATH as VALIDATE_PATH
from licensor.licenses.hot_path import ValidateHotPath
from licensor.licenses.registrations import endpoints as registration_endpoints
from licensor.licenses.revocations import endpoints as revocation_endpoints
from licensor.licenses.signing_keys import endpoints as signing_key_endpoints
from licensor.maintenance import pages as maintenance_pages
from licensor.maintenance.updates import endpoints as update_endpoints
from licensor.marketplace import endpoints as marketplace_endpoints
from licensor.marketplace import pages as marketplace_pages
from licensor.marketplace.console import pages as marketplace_admin_pages
from licensor.orders import endpoints as orders_endpoints
from licensor.orders import pages as orders_pages
from licensor.orders.console import pages as orders_admin_pages
from licensor.orders.pricing import endpoints as pricing_endpoints
from licensor.releases import endpoints as releases_endpoints
from licensor.releases import pages as releases_pages
from licensor.releases.console import pages as releases_admin_pages
from licensor.releases.downloads import endpoints as download_endpoints
from licensor.releases.license_files import endpoints as license_file_endpoints
from licensor.staff import endpoints as staff_endpoints
from licensor.staff import pages as staff_pages
from licensor.staff.audit import pages as staff_audit_pages
from licensor.staff.catalog import pages as staff_catalog_pages
from licensor.staff.dashboard import pages as staff_dashboard_pages
from licensor.staff.licenses import pages as staff_license_pages
from licensor.startup import prepare, seed  # noqa: F401  (app.prepare, app.seed)
from licensor.subscriptions import endpoints as subscriptions_endpoints
from licensor.subscriptions import pages as subscriptions_pages
from licensor.subscriptions import site_data_pages as subscriptions_site_data_pages
from licensor.subscriptions.billing import endpoints as subscriptions_billing_endpoints
from licensor.subscriptions.console import pages as subscriptions_admin_pages
from licensor.subscriptions.credits import endpoints as subscriptions_credit_endpoints
from licensor.subscriptions.drive import pages as subscriptions_drive_pages
from licensor.tax import endpoints as tax_endpoints
from licensor.tax.console import pages as tax_admin_pages
from licensor.webhooks import delivery as webhooks_delivery
from licensor.webhooks import endpoints as webhook_endpoints

log = logging.getLogger("licensor")


def routers(sandbox_mode: bool) -> list[APIRouter]:
    """Every capability's router, in the order their routes are matched; the sandbox's only in
    sandbox mode."""
    return [
        accounts_endpoints.router,
        catalog_endpoints.router,
        discounts_credit_endpoints.router,
        discounts_endpoints.router,
        download_endpoints.router,
        license_file_endpoints.router,
        licenses_endpoints.router,
        marketplace_endpoints.router,
        orders_endpoints.router,
        pricing_endpoints.router,
        registration_endpoints.router,
        releases_endpoints.router,
        revocation_endpoints.router,
        *([sandbox.router] if sandbox_mode else []),
        signing_key_endpoints.router,
        staff_endpoints.router,
        subscriptions_endpoints.router,
        subscriptions_credit_endpoints.router,
        subscriptions_billing_endpoints.router,
        tax_endpoints.router,
        update_endpoints.router,
        webhook_endpoints.router,
        webhooks.router,
    ]


def pages() -> list[APIRouter]:
    """The customer portal's pages (HTML), each capability's beside its endpoints."""
    return [
        accounts_pages.router,
        accounts_self_pages.router,
        catalog_pages.router,
        licenses_pages.router,
        maintenance_pages.router,
        marketplace_pages.router,
        orders_pages.router,
        releases_pages.router,
        subscriptions_pages.router,
        subscriptions_drive_pages.router,
        subscriptions_site_data_pages.router,
    ]


def admin_pages() -> list[APIRouter]:
    """The admin console's pages (/admin), each capability's beside its endpoints."""
    return [
        staff_pages.router,
        staff_dashboard_pages.router,
        staff_license_pages.router,
        orders_admin_pages.router,
        marketplace_admin_pages.router,
        subscriptions_admin_pages.router,
        staff_audit_pages.router,
        staff_catalog_pages.router,
        discounts_admin_pages.router,
        tax_admin_pages.router,
        releases_admin_pages.router,
    ]


def _jobs_loop(ctx: Context, stop: threading.Event) -> None:
    while not stop.wait(ctx.settings.jobs_interval):
        try:
            payments.reconcile_in_doubt(ctx)
            with ctx.db.transaction() as session:
                jobs.run_due(ctx, session, ctx.clock.now(session))
            ctx.mailer.wake(ctx)  # what jobs queued, and retries that fell due
            events.committed(ctx)  # the other outboxes too (webhooks)
        except Exception:  # keep the loop alive; the next tick retries
            log.exception("jobs run failed")


def _say_signing_problem(ctx: Context) -> None:
    try:
        with ctx.db.reader() as session:
            problem = ctx.keyring.problem(session)
    except Exception:  # a database not reachable yet is said by the first request
        log.exception("checking the signing key at start-up failed")
        return
    if problem is not None:
        log.error("this host cannot sign (GET /healthz answers 503): %s", problem)


def _reconcile_at_start(ctx: Context, stop: threading.Event) -> None:
    """Payments a killed process left in doubt: those already in doubt now, and those that
    become so (their process may have died just before this one started)."""
    for delay in (0.0, payments.DOUBT_AFTER.total_seconds() + 1):
        if stop.wait(delay):
            return
        try:
            payments.reconcile_in_doubt(ctx)
        except Exception:  # the jobs loop and retried requests reconcile later
            log.exception("reconciling payments at start-up failed")


class _App(FastAPI):
    """Hands `POST /v1/licenses/validate` to its hot path before the middleware stack runs
    (licenses/hot_path.py makes the body-limit and rate-limit checks itself)."""

    validate_front: ValidateHotPath | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.validate_front is not None and scope["type"] == "http" \
                and scope["path"] == VALIDATE_PATH:
            scope["app"] = self
            await self.validate_front(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def _install_middleware(app: _App, ctx: Context) -> None:
    app.add_middleware(RequestBoundary)
    limiter = limiter_for(ctx.settings)  # a bad LICENSOR_RATE_LIMITS fails here, at start
    limits = None
    # Who a request comes from (a bad LICENSOR_TRUSTED_PROXIES fails here, at start).
    clients = app.state.clients = ClientAddresses(trusted_networks(ctx.settings.trusted_proxies))
    if limiter is not None:  # outermost: counted before anything else runs
        app.add_middleware(RateLimitMiddleware, limiter=limiter, clients=clients)
        limits = RateLimitMiddleware(app, limiter, clients)  # the hot path's, same counts
    # Validation skips the stack; what it does not answer goes through all of it.
    app.validate_front = ValidateHotPath(functools.partial(FastAPI.__call__, app),
                                         max_bytes=ctx.settings.max_body_bytes, limits=limits)
    # Outermost of all: an oversized body is refused before anything reads or parses it.
    # The artifact upload streams its own body, up to its own limit.
    app.add_middleware(BodyLimit, max_bytes=ctx.settings.max_body_bytes,
                       exempt=[("PUT", releases_endpoints.ARTIFACT_PATH),
                               ("POST", f"^{releases_admin_pages.UPLOAD_PATH}$")])


def create_app(ctx: Context | None = None, *, run_prepare: bool = True) -> FastAPI:
    ctx = ctx or build_context(Settings())
    if run_prepare:
        prepare(ctx)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # app.state's, not create_app's: the tests' client fixture gives one app each test's.
        live: Context = _app.state.ctx
        stop = threading.Event()
        worker = None
        _say_signing_problem(live)
        threading.Thread(target=_reconcile_at_start, args=(live, stop), daemon=True,
                         name="licensor-reconcile").start()
        if live.settings.jobs_interval > 0:
            worker = threading.Thread(target=_jobs_loop, args=(live, stop), daemon=True,
                                      name="licensor-jobs")
            worker.start()
        # Webhook deliveries a stopped or killed process left pending go out now.
        webhooks_delivery.wake(live)
        yield
        stop.set()
        if worker is not None:
            worker.join(timeout=5)
        live.mailer.close(timeout=live.settings.smtp_timeout + 5)
        webhooks_delivery.close(live)

    # Swagger UI and ReDoc served from the installed package: /docs works with no internet.
    app = FastAPIOffline(title="Licensor", version=__version__, lifespan=lifespan,
                         description=DESCRIPTION, static_url="/docs-assets",
                         dependencies=[Depends(refuse_nul)])
    app.__class__ = _App  # FastAPIOffline makes a FastAPI: this one hands validation over first
    assert isinstance(app, _App)
    app.state.ctx = ctx
    errors.install(app)
    _install_middleware(app, ctx)

    @app.get("/healthz", operation_id="getHealth", tags=["health"], response_model=Health,
             responses=refusals("SIGNING_KEY_UNAVAILABLE"))
    def healthz(request: Request) -> dict[str, Any]:
        # A host that cannot open the active signing key (another key-encryption key) says so
        # here, so that a load balancer stops sending it requests: 503, the reason coded.
        live: Context = request.app.state.ctx
        with live.db.reader() as session:
            live.keyring.signer(session)
        return {"status": "ok"}

    capability_routers = routers(ctx.settings.sandbox)
    for router in [other_methods_refused(capability_routers), *capability_routers]:
        app.include_router(router)
    portal.install(app)  # after errors.install: refusals on pages become pages
    console.install(app)
    for router in [*pages(), *admin_pages()]:
        app.include_router(router)
    openapi.document(app, rate_limited={("POST", path) for path in ROUTES}
                     | {("POST", "/v1/orders/{order_id}/pay")})
    return app


DESCRIPTION = """Licensing, upgrade and subscription back office (API v1).

Money is `{"amount": 8900, "currency": "USD"}` in minor units; times are RFC 3339 in UTC.
Every refusal is `{"error": {"code", "message", "details"}}` with a 4xx status; each operation
lists the codes it can answer with. Administrators send `Authorization: Bearer <admin token>`;
customers the token of POST /v1/accounts or POST /v1/sessions."""

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def other_methods_refused(capability_routers: list[APIRouter]) -> APIRouter:
    """A fixed address asked with a method it does not take answers 405 naming those it takes,
    even when a route with a parameter would match it (`GET /v1/licenses/validate` is not a
    license id). Included first; left out of /openapi.json."""
    allowed: dict[str, set[str]] = {}
    for router in capability_routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and "{" not in route.path:
                allowed.setdefault(route.path, set()).update(route.methods or ())
    refusals = APIRouter(include_in_schema=False)
    for path, methods in allowed.items():
        others = [m for m in _METHODS if m not in methods]
        if others:
            refusals.add_api_route(path, _refuser(", ".join(sorted(methods - {"HEAD"}))),
                                   methods=others)
    return refusals


def _refuser(allow: str) -> Any:
    async def refuse(_request: Request) -> None:
        raise HTTPException(405, headers={"Allow": allow})
    return refuse


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` workers; `licensor serve` has already prepared the DB."""
    ctx = build_context(Settings())
    ctx.keyring.check_private_files()
    return create_app(ctx, run_prepare=False)
