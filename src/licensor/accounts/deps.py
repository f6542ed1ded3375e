"""`Account`: the dependency for calls made by a customer (other capabilities use it too)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from licensor.accounts import service as accounts
from licensor.accounts.models import AccountRow
from licensor.core.errors import LicensorError
from licensor.core.web.deps import Ctx, bearer_token
from licensor.core.web.openapi import AccountCredentials


def require_account(request: Request, ctx: Ctx, _scheme: AccountCredentials) -> AccountRow:
    """The calling customer's account; 401 UNAUTHENTICATED without a live session token.
    (`_scheme` only names the security scheme in /openapi.json.)"""
    token = bearer_token(request)
    if not token:
        raise accounts.unauthenticated("missing")
    now = ctx.clock.real_now()
    with ctx.db.reader() as session:
        row, account = accounts.authenticate(session, token, now)
    if accounts.needs_touch(row, now):
        with ctx.db.transaction() as session:
            accounts.touch(session, row.token_hash, now)
    return account


Account = Annotated[AccountRow, Depends(require_account)]


def sign_in_first(request: Request) -> Response:
    """A portal page that needs an account, asked for without one: the sign-in page, which
    comes back here afterwards."""
    from licensor.core.web.portal import redirect

    return redirect(request, f"/login?next={request.url.path}")


def page_account(request: Request) -> AccountRow | None:
    """The account signed in to the portal (the session cookie holds the same kind of token as
    the API's bearer), or None; also left on request.state for the page's header."""
    from licensor.core.web.portal import SESSION_COOKIE

    request.state.account = None
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token or len(token) > 200:
        return None
    ctx = request.app.state.ctx
    now = ctx.clock.real_now()
    try:
        with ctx.db.reader() as session:
            row, account = accounts.authenticate(session, token, now)
    except LicensorError:
        return None
    if accounts.needs_touch(row, now):
        with ctx.db.transaction() as session:
            accounts.touch(session, row.token_hash, now)
    request.state.account = account
    return account
