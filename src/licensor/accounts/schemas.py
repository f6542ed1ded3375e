"""Answers of accounts and sessions (API and CLI)."""

from __future__ import annotations

from licensor.core.web.openapi import Answer, example


class AccountCreated(Answer):
    id: str
    email: str
    name: str
    token: str

    model_config = example({"id": "acc_4Lm2", "email": "ana@acme.example", "name": "Ana Diaz",
         "token": "ses_9c1f...secret"})


class SessionToken(Answer):
    token: str

    model_config = example({"token": "ses_9c1f...secret"})


class SessionsEnded(Answer):
    status: str
    sessions_ended: int | None = None

    model_config = example({"status": "ended", "sessions_ended": 2})
