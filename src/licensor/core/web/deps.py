"""Request-scoped dependencies: the context, sessions, the clock and who is calling."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.tokens import admin_name
from licensor.core.web.idempotency import SESSION, deliver_mail
from licensor.core.web.openapi import AdminCredentials


def get_ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


Ctx = Annotated[Context, Depends(get_ctx)]


def write_session(request: Request, ctx: Ctx) -> Iterator[Session]:
    """A session for a request that changes state. The request boundary (`idempotency`)
    commits it once, with the answer, when the answer is a success; else it is rolled back."""
    with ctx.db.writer() as session:
        request.scope[SESSION] = session
        try:
            yield session
        finally:
            request.scope.pop(SESSION, None)
            session.rollback()


def read_session(ctx: Ctx) -> Iterator[Session]:
    with ctx.db.reader() as session:
        try:
            yield session
        finally:
            session.rollback()


WriteSession = Annotated[Session, Depends(write_session)]
ReadSession = Annotated[Session, Depends(read_session)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require_admin(request: Request, ctx: Ctx, _scheme: AdminCredentials) -> str:
    """The admin's name (for the audit log); 401 without a valid admin token. (`_scheme` only
    names the security scheme in /openapi.json; the header is read here.)"""
    token = bearer_token(request)
    if not token:
        raise LicensorError("UNAUTHENTICATED", "This call needs an administrator: send "
                            "Authorization: Bearer <admin token> (see `licensor tokens create`).",
                            {"reason": "missing"}, status=401)
    with ctx.db.reader() as session:
        name = admin_name(session, ctx.settings, token, ctx.clock.real_now())
    if name:
        return name
    raise LicensorError("UNAUTHENTICATED", "The token sent was not recognised as an "
                        "administrator's token; check it, or make one with `licensor tokens "
                        "create NAME`.", {"reason": "unrecognised"}, status=401)


Admin = Annotated[str, Depends(require_admin)]


def now_for(ctx: Context, session: Session) -> datetime:
    return ctx.clock.now(session)


def commit(ctx: Context, session: Session) -> None:
    """Commit now what must stay even if the request then fails (a failed sign-in counted
    before the refusal). Endpoints otherwise leave the commit to the request boundary, which
    stores an Idempotency-Key's answer in the same transaction."""
    session.commit()
    deliver_mail(ctx)


def page_limit(limit: int | None, default: int = 50, maximum: int = 500) -> int:
    if limit is None:
        return default
    if limit < 1 or limit > maximum:
        raise LicensorError("INVALID_REQUEST", f"limit must be from 1 to {maximum}.",
                            {"field": "limit"})
    return limit


# PostgreSQL text cannot hold NUL: refuse it as bad input (422 naming the field), never a 500.
NO_NUL = r"^[^\x00]*$"
