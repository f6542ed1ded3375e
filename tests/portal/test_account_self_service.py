"""A customer runs their own account: a forgotten password reset by a mailed link (valid one
hour, once, stored only as a hash) and /account (name, password; a new email changes when
the link mailed to it is followed). The mails go through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from licensor.accounts.models import AccountLinkRow, AccountRow
from licensor.app import create_app, seed
from licensor.core.context import Context, build_context
from licensor.core.db import Database
from licensor.core.tokens import token_hash
from tests.conftest import empty_database, make_settings
from tests.core.smtp_servers import Recorder, SmtpServer
from tests.portal.helpers import csrf, field_error, post

LINK = re.compile(r"http://\S+/(?:password-reset|account/email)/([A-Za-z0-9_-]+)")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(Recorder()).start()
    yield server
    server.stop()


@pytest.fixture
def mailed(database: Database, tmp_path: Path, smtp: SmtpServer) -> Iterator[Context]:
    empty_database(database)
    context = build_context(make_settings(tmp_path / "home", database.url, smtp_url=smtp.url),
                            db=database)
    seed(context)
    yield context
    context.mailer.close()


@pytest.fixture
def web(mailed: Context) -> Iterator[TestClient]:
    with TestClient(create_app(mailed, run_prepare=False), raise_server_exceptions=False) as c:
        yield c


def mails_to(smtp: SmtpServer, to: str, count: int = 1, wait: float = 10.0) -> list[Message]:
    """The messages the SMTP server received for `to`, once `count` of them arrived."""
    deadline = time.monotonic() + wait
    while True:
        found = [m for m in smtp.recorder.messages if m["To"] == to]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def text_of(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


def sign_up(web: TestClient, email: str = "ana@acme.test", password: str = "old-pw") -> None:
    r = post(web, "/signup", {"name": "Ana Diaz", "email": email, "password": password},
             follow_redirects=False)
    assert r.status_code == 303, r.text


def log_in(web: TestClient, email: str, password: str) -> int:
    web.cookies.clear()
    r = post(web, "/login", {"email": email, "password": password}, follow_redirects=False)
    return r.status_code


def test_a_forgotten_password_is_reset_by_the_mailed_link_once(web: TestClient, mailed: Context,
                                                               smtp: SmtpServer) -> None:
    sign_up(web)
    web.cookies.clear()
    login = web.get("/login").text
    assert '<a href="/password-reset">Forgot password?</a>' in login
    answers = []
    for email in ("ANA@acme.test", "nobody@acme.test"):
        r = post(web, "/password-reset", {"email": email}, follow_redirects=False)
        answers.append((r.status_code, r.headers["location"]))
    assert answers == [(303, "/password-reset?sent=1")] * 2  # the same answer either way
    assert "a link to choose a new password is on its way" in web.get(
        "/password-reset?sent=1").text

    [message] = mails_to(smtp, "ana@acme.test")
    assert message["Subject"] == "Reset your password"
    token = LINK.search(text_of(message)).group(1)  # type: ignore[union-attr]
    time.sleep(0.3)
    assert [m["To"] for m in smtp.recorder.messages] == ["ana@acme.test"]  # none to nobody@
    with mailed.db.reader() as s:
        [link] = s.scalars(select(AccountLinkRow)).all()
        assert link.token_hash == token_hash(token) and token not in repr(link.__dict__)
        assert link.expires_at - link.created_at == timedelta(hours=1)

    page = web.get(f"/password-reset/{token}")
    assert page.status_code == 200 and 'for="password">New password<' in page.text
    short = post(web, f"/password-reset/{token}", {"password": ""}, follow_redirects=False)
    assert short.status_code == 422 and field_error(short.text, "password")
    done = post(web, f"/password-reset/{token}", {"password": "new-pw"}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/login?reset=1")
    assert "Your new password is set" in web.get("/login?reset=1").text
    assert log_in(web, "ana@acme.test", "old-pw") == 401
    assert log_in(web, "ana@acme.test", "new-pw") == 303

    again = web.get(f"/password-reset/{token}")  # once only
    assert again.status_code == 410 and "already used" in again.text
    replay = post(web, f"/password-reset/{token}", {"password": "other"}, token_from="/login",
                  follow_redirects=False)
    assert replay.status_code == 410
    assert log_in(web, "ana@acme.test", "other") == 401


def test_a_reset_link_dies_after_an_hour_and_a_newer_one_replaces_it(
        web: TestClient, mailed: Context, smtp: SmtpServer) -> None:
    sign_up(web)
    for _ in range(2):
        post(web, "/password-reset", {"email": "ana@acme.test"})
    first, second = (LINK.search(text_of(m)).group(1)  # type: ignore[union-attr]
                     for m in mails_to(smtp, "ana@acme.test", 2))
    assert web.get(f"/password-reset/{first}").status_code == 410
    assert web.get(f"/password-reset/{second}").status_code == 200
    with mailed.db.transaction() as s:
        mailed.clock.set(s, mailed.clock.now(s) + timedelta(minutes=61))
    assert web.get(f"/password-reset/{second}").status_code == 410
    assert web.get("/password-reset/not-a-token").status_code == 410


def test_at_most_five_reset_mails_an_hour_reach_one_account(web: TestClient, mailed: Context,
                                                           smtp: SmtpServer) -> None:
    sign_up(web)
    for _ in range(7):
        r = post(web, "/password-reset", {"email": "ana@acme.test"}, follow_redirects=False)
        assert r.headers["location"] == "/password-reset?sent=1"  # the same answer still
    assert len(mails_to(smtp, "ana@acme.test", 7, wait=3)) == 5


def test_the_password_reset_form_refuses_a_malformed_address_next_to_the_field(
        web: TestClient) -> None:
    r = post(web, "/password-reset", {"email": "not an address"})
    assert r.status_code == 422
    assert field_error(r.text, "email") == "Enter an email address such as ana@example.com."


def test_account_saves_name_and_password_and_changes_email_by_link(
        web: TestClient, mailed: Context, smtp: SmtpServer) -> None:
    assert web.get("/account", follow_redirects=False).headers["location"] == \
        "/login?next=/account"
    sign_up(web)
    page = web.get("/account").text
    for label in ("Name", "Email", "Password"):
        assert f">{label}</label>" in page
    r = post(web, "/account", {"name": "Ana D.", "email": "ana.d@acme.test",
                               "password": "new-pw"}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/account?done=confirm")
    with mailed.db.reader() as s:
        [row] = s.scalars(select(AccountRow)).all()
        assert (row.name, row.email) == ("Ana D.", "ana@acme.test")  # email not yet
    [message] = mails_to(smtp, "ana.d@acme.test")
    assert message["Subject"] == "Confirm your new email address"
    token = LINK.search(text_of(message)).group(1)  # type: ignore[union-attr]
    assert "ana.d@acme.test" in web.get(f"/account/email/{token}").text
    done = post(web, f"/account/email/{token}", {}, token_from="/account",
                follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/account?done=email")
    assert 'value="ana.d@acme.test"' in web.get("/account").text
    assert log_in(web, "ana@acme.test", "new-pw") == 401
    assert log_in(web, "ana.d@acme.test", "new-pw") == 303
    assert web.get(f"/account/email/{token}").status_code == 410  # once only


def test_account_refusals_are_shown_next_to_their_fields(web: TestClient) -> None:
    sign_up(web, "bo@acme.test")
    web.cookies.clear()
    sign_up(web)
    r = post(web, "/account", {"name": "", "email": "nope", "password": ""})
    assert r.status_code == 422
    assert field_error(r.text, "name") and field_error(r.text, "email")
    taken = post(web, "/account", {"name": "Ana", "email": "BO@acme.test", "password": ""})
    assert taken.status_code == 422
    assert field_error(taken.text, "email") == \
        "Another account already uses this email; choose another one."
    assert csrf(web, "/account")
