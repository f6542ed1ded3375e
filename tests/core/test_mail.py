"""Mail is queued with the change and delivered after commit: by SMTP (a real aiosmtpd server)
or, without LICENSOR_SMTP_URL, to files in LICENSOR_HOME/mail."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from fastapi.testclient import TestClient
from sqlalchemy import select

from licensor.app import create_app
from licensor.core import mail
from licensor.core.context import Context, build_context
from licensor.core.models import MailRow
from tests.builders import create_license
from tests.conftest import make_settings
from tests.core.server import free_port


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_lost_key_mail_goes_out_by_smtp(ctx: Context, tmp_path, smtp) -> None:
    inbox, port = smtp
    lic = create_license(ctx, email="owner@acme.test")
    live = build_context(make_settings(tmp_path / "h", ctx.db.url,
                                       smtp_url=f"smtp://127.0.0.1:{port}"), db=ctx.db)
    live.keyring = ctx.keyring
    with TestClient(create_app(live, run_prepare=False)) as c:
        assert c.post("/v1/licenses/lost-key", json={"email": "owner@acme.test"}).status_code \
            == 202
        assert live.mailer.wait_idle(10)
        assert len(inbox.messages) == 1
    msg = inbox.messages[0]
    assert msg["To"] == "owner@acme.test" and msg["Subject"] == "Your License Information"
    # multipart/alternative: the text part first (what the outbox shows), then the HTML part.
    assert msg.get_content_type() == "multipart/alternative"
    text, html = msg.get_payload()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert lic.license_key in text.get_payload(decode=True).decode()
    html_body = html.get_payload(decode=True).decode()
    assert "<pre" in html_body and lic.license_key in html_body
    with ctx.db.reader() as s:
        row = s.scalars(select(MailRow)).one()
    assert row.body == text.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert row.sent_at is not None and row.status == "sent"
    # The domain of the sender address (LICENSOR_MAIL_FROM), the same on every retry.
    assert msg["Message-ID"] == f"<{row.id}@localhost>"


def test_unreachable_smtp_keeps_mail_queued_for_retry(ctx: Context, tmp_path, smtp) -> None:
    inbox, port = smtp
    create_license(ctx, email="owner@acme.test")
    down = build_context(make_settings(tmp_path / "h", ctx.db.url,
                                       smtp_url=f"smtp://127.0.0.1:{free_port()}"), db=ctx.db)
    with TestClient(create_app(down, run_prepare=False)) as c:
        assert c.post("/v1/licenses/lost-key", json={"email": "owner@acme.test"}).status_code \
            == 202
        assert down.mailer.wait_idle(10)
    with ctx.db.reader() as s:
        row = s.scalars(select(MailRow)).one()
        failed_at = ctx.clock.now(s)
    assert row.sent_at is None and row.attempts == 1 and row.last_error
    assert row.status == "queued" and row.claimed_by is None
    assert timedelta(seconds=59) < row.next_attempt_at - failed_at <= timedelta(minutes=1)
    down.mailer.smtp_url = f"smtp://127.0.0.1:{port}"
    assert mail.deliver_all_due(down) == 0  # not due for a minute
    with ctx.db.transaction() as s:
        ctx.clock.set(s, row.next_attempt_at)
    assert mail.deliver_all_due(down) == 1
    assert len(inbox.messages) == 1


def test_without_smtp_mail_is_written_to_owner_only_files(ctx: Context) -> None:
    with ctx.db.transaction() as s:
        mail.enqueue(s, to="a@b.test", subject="Hello", body="Body text", now=ctx.clock.now(s))
    assert mail.deliver_all_due(ctx) == 1
    files = list(ctx.settings.mail_dir.glob("*"))
    assert len(files) == 1 and files[0].suffix == ".eml"
    msg = message_from_bytes(files[0].read_bytes())
    assert msg["To"] == "a@b.test" and "Body text" in msg.get_payload()
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(ctx.settings.mail_dir.stat().st_mode) == 0o700


def test_mail_of_a_rolled_back_change_is_never_sent(ctx: Context) -> None:
    with pytest.raises(RuntimeError), ctx.db.transaction() as s:
        mail.enqueue(s, to="a@b.test", subject="x", body="y", now=ctx.clock.now(s))
        raise RuntimeError("the change failed")
    assert mail.deliver_all_due(ctx) == 0
