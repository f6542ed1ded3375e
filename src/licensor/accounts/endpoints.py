"""Customer accounts and sessions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from licensor.accounts import service as accounts
from licensor.accounts.deps import Account
from licensor.accounts.schemas import AccountCreated, SessionsEnded, SessionToken
from licensor.core.errors import LicensorError
from licensor.core.mail import EMAIL_MAX_LENGTH, EMAIL_PATTERN
from licensor.core.web.deps import NO_NUL, Ctx, WriteSession, bearer_token, commit, now_for
from licensor.core.web.openapi import refusals

router = APIRouter(prefix="/v1", tags=["accounts"])


class AccountBody(BaseModel):
    email: str = Field(max_length=EMAIL_MAX_LENGTH, pattern=EMAIL_PATTERN)
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    # No password policy: any non-empty password is accepted (lockout and rate limits stop
    # guessing; the vendor's portal may ask for more).
    password: str = Field(min_length=1, max_length=200)

    model_config = {"json_schema_extra": {"examples": [
        {"email": "ana@acme.example", "name": "Ana Diaz", "password": "correct horse"}]}}


class SessionBody(BaseModel):
    email: str = Field(max_length=320, pattern=NO_NUL)
    password: str = Field(max_length=200)

    model_config = {"json_schema_extra": {"examples": [
        {"email": "ana@acme.example", "password": "correct horse"}]}}


@router.post("/accounts", operation_id="createAccount",
             status_code=201, response_model=AccountCreated,
             responses=refusals("EMAIL_TAKEN"))
def create_account(body: AccountBody, ctx: Ctx, session: WriteSession) -> dict[str, Any]:
    row, token = accounts.create_account(session, email=body.email, name=body.name,
                                         password=body.password, now=now_for(ctx, session),
                                         session_now=ctx.clock.real_now())
    return {"id": row.id, "email": row.email, "name": row.name, "token": token}


@router.post("/sessions", operation_id="createSession", response_model=SessionToken,
             responses=refusals("INVALID_CREDENTIALS"))
def create_session(body: SessionBody, ctx: Ctx, session: WriteSession) -> dict[str, Any]:
    try:
        token = accounts.log_in(session, email=body.email, password=body.password,
                                now=now_for(ctx, session), session_now=ctx.clock.real_now())
    except LicensorError:
        # A wrong password is remembered (lockout) although the answer is a refusal.
        commit(ctx, session)
        raise
    return {"token": token}


@router.delete("/sessions/current", operation_id="endSession", response_model=SessionsEnded,
               response_model_exclude_unset=True)
def end_session(request: Request, ctx: Ctx, session: WriteSession,
                _account: Account) -> dict[str, Any]:
    """Sign out: this token stops working at once."""
    accounts.end_session(session, bearer_token(request) or "", ctx.clock.real_now())
    return {"status": "ended"}


@router.delete("/sessions", operation_id="endAllSessions", response_model=SessionsEnded)
def end_all_sessions(ctx: Ctx, session: WriteSession, account: Account) -> dict[str, Any]:
    """Sign out everywhere (e.g. after a password was seen by someone else)."""
    ended = accounts.end_all_sessions(session, account.id, ctx.clock.real_now())
    return {"status": "ended", "sessions_ended": ended}
