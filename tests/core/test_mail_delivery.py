"""Mail goes out exactly once and is never lost in silence: senders claim rows, retries follow a
schedule on the Licensor clock, failed mail is listed and can be retried, and a stalled mail
server holds no lock. Real aiosmtpd servers; SQLite, and PostgreSQL when configured."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from licensor.app import create_app
from licensor.core import events, mail
from licensor.core.context import Context, build_context
from licensor.core.db import Database
from licensor.core.models import MailRow
from tests.builders import create_license, race
from tests.conftest import ADMIN, make_settings
from tests.core.server import free_port
from tests.core.smtp_servers import Recorder, SmtpServer, StalledServer

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def live_context(ctx: Context, tmp_path: Any, name: str, smtp_url: str,
                 db: Database | None = None, **settings: Any) -> Context:
    """Another process's context on the test's database, sending to `smtp_url`."""
    live = build_context(make_settings(tmp_path / name, ctx.db.url, smtp_url=smtp_url,
                                       rate_limits="off", **settings), db=db or ctx.db)
    live.keyring = ctx.keyring
    return live


def freeze(ctx: Context, at: datetime) -> None:
    with ctx.db.transaction() as s:
        ctx.clock.set(s, at)


def queue(ctx: Context, count: int, to: str = "buyer@acme.test") -> list[str]:
    with ctx.db.transaction() as s:
        now = ctx.clock.now(s)
        return [mail.enqueue(s, to=to, subject=f"Message {i}", body="Hello", now=now).id
                for i in range(count)]


def rows(ctx: Context) -> list[MailRow]:
    with ctx.db.reader() as s:
        return list(s.scalars(select(MailRow).order_by(MailRow.created_at, MailRow.id)))


def message_id(mail_id: str) -> str:
    return f"<{mail_id}@localhost>"


@pytest.fixture
def recorder() -> Iterator[SmtpServer]:
    server = SmtpServer(Recorder()).start()
    yield server
    server.stop()


def test_retry_schedule() -> None:
    offsets = [mail.retry_at(n, T0) for n in range(1, 8)]
    assert [o - T0 for o in offsets[:6] if o] == [
        timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
        timedelta(hours=6), timedelta(hours=24)]
    assert offsets[6] is None


def test_failures_follow_the_schedule_then_the_mail_is_failed(ctx: Context, tmp_path,
                                                              caplog, recorder, cli) -> None:
    freeze(ctx, T0)
    down = live_context(ctx, tmp_path, "down", f"smtp://127.0.0.1:{free_port()}")
    [mail_id] = queue(ctx, 1)
    announced: list[MailRow] = []
    handler = events.on("mail.failed")(lambda _c, _s, _n, *, mail: announced.append(mail))
    try:
        now = T0
        for delay in mail.RETRY_DELAYS:
            assert mail.deliver_all_due(down) == 0
            [row] = rows(ctx)
            assert row.status == "queued" and row.next_attempt_at == now + delay
            freeze(ctx, row.next_attempt_at - timedelta(seconds=1))
            assert mail.deliver_due(down) == (0, 0)  # not due yet: nobody tries
            now = row.next_attempt_at
            freeze(ctx, now)
        with caplog.at_level(logging.ERROR, logger="licensor.mail"):
            assert mail.deliver_all_due(down) == 0
    finally:
        events._HANDLERS["mail.failed"].remove(handler)
    [row] = rows(ctx)
    assert row.status == "failed" and row.attempts == 7 and row.failed_at == now
    assert row.sent_at is None and row.last_error and row.claimed_by is None
    assert [m.id for m in announced] == [mail_id]
    assert mail_id in caplog.text and "failed after 7 attempt(s)" in caplog.text
    assert mail.deliver_all_due(down) == 0  # failed mail stays put

    listed = json.loads(cli("mail", "failed", "--json"))
    assert [(m["id"], m["attempts"], m["to"]) for m in listed] == [(mail_id, 7, "buyer@acme.test")]
    assert mail_id[:8] in cli("mail", "failed")
    # The mail server is back: a retry sends it now, once.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LICENSOR_SMTP_URL", recorder.url)
        assert "queued again" in cli("mail", "retry", mail_id)
    [row] = rows(ctx)
    assert row.status == "sent" and row.sent_at == now and row.failed_at is None
    assert recorder.recorder.counts() == {message_id(mail_id): 1}
    assert json.loads(cli("mail", "failed", "--json")) == []


def test_retry_refuses_unknown_and_unfailed_mail(ctx: Context, cli) -> None:
    assert "MAIL_NOT_FOUND" in cli("mail", "retry", "no-such-id", code=2)
    [mail_id] = queue(ctx, 1)
    assert "MAIL_NOT_FAILED" in cli("mail", "retry", mail_id, code=2)  # still queued
    assert mail.deliver_all_due(ctx) == 1
    assert "is sent" in cli("mail", "retry", mail_id, code=2)


def test_a_refused_recipient_fails_at_once_and_the_rest_goes_out(ctx: Context, tmp_path) -> None:
    server = SmtpServer(Recorder(refuse="nobody@acme.test")).start()
    try:
        live = live_context(ctx, tmp_path, "live", server.url)
        good = queue(ctx, 2)
        [bad] = queue(ctx, 1, to="nobody@acme.test")
        assert mail.deliver_all_due(live) == 2
    finally:
        server.stop()
    status = {r.id: (r.status, r.attempts) for r in rows(ctx)}
    assert status == {good[0]: ("sent", 1), good[1]: ("sent", 1), bad: ("failed", 1)}
    assert set(server.recorder.counts()) == {message_id(i) for i in good}


def test_two_senders_send_each_message_once(ctx: Context, tmp_path) -> None:
    server = SmtpServer(Recorder(delay=0.005)).start()
    senders = [live_context(ctx, tmp_path, f"s{i}", server.url, db=Database(ctx.db.url))
               for i in range(2)]
    ids = queue(ctx, 120)

    def run(i: int) -> int:
        total = 0
        while (done := mail.deliver_due(senders[i], limit=10))[0]:
            total += done[1]
        return total

    try:
        sent: list[int] = race(2, run, timeout=60)
    finally:
        server.stop()
        for sender in senders:
            sender.db.dispose()
    counts = server.recorder.counts()
    assert counts == {message_id(i): 1 for i in ids}
    assert sum(sent) == 120 and min(sent) > 0  # both sent, neither twice
    assert {r.status for r in rows(ctx)} == {"sent"}


def test_a_dead_senders_claim_runs_out_and_another_sends(ctx: Context, tmp_path,
                                                         recorder) -> None:
    dead = live_context(ctx, tmp_path, "dead", recorder.url)
    other = live_context(ctx, tmp_path, "other", recorder.url)
    [mail_id] = queue(ctx, 1)
    with ctx.db.transaction() as s:
        assert [m.id for m in mail.claim(s, dead.mailer.sender_id, ctx.clock.now(s))] == [mail_id]
    # ... and the process dies before sending. While its lease lasts nobody else sends:
    assert mail.deliver_due(other) == (0, 0)
    with ctx.db.transaction() as s:
        s.execute(update(MailRow).values(claimed_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert mail.deliver_due(other) == (1, 1)
    # A sender that only seemed dead and comes back late records nothing over the other's send.
    with ctx.db.transaction() as s:
        assert mail.record(dead, s, dead.mailer.sender_id,
                           {mail_id: mail.Failure("late")}, ctx.clock.now(s)) == 0
    [row] = rows(ctx)
    assert row.status == "sent" and row.attempts == 1 and row.last_error is None
    assert recorder.recorder.counts() == {message_id(mail_id): 1}


def test_mail_queued_while_smtp_is_down_arrives_once_when_it_is_back(ctx: Context,
                                                                     tmp_path) -> None:
    server = SmtpServer(Recorder())  # its port, with nothing listening yet
    live = live_context(ctx, tmp_path, "live", server.url, smtp_timeout=2)
    emails = [f"owner{i}@acme.test" for i in range(12)]
    for email in emails:
        create_license(ctx, email=email)
    with TestClient(create_app(live, run_prepare=False)) as c:
        def advance(seconds: int) -> None:
            assert c.post("/v1/sandbox/clock/advance", json={"seconds": seconds},
                          headers=ADMIN).status_code == 200
            assert live.mailer.wait_idle(10)

        assert c.put("/v1/sandbox/clock", json={"now": T0.isoformat()},
                     headers=ADMIN).status_code == 200
        for email in emails:
            assert c.post("/v1/licenses/lost-key", json={"email": email}).status_code == 202
        assert live.mailer.wait_idle(10)
        assert {(r.status, r.attempts) for r in rows(ctx)} == {("queued", 1)}
        advance(30)  # still down, and the first retry is not due yet
        assert {(r.status, r.attempts) for r in rows(ctx)} == {("queued", 1)}
        advance(30)  # the first retry falls due while the server is still down
        assert {(r.status, r.attempts) for r in rows(ctx)} == {("queued", 2)}
        server.start()
        try:
            advance(4 * 60)  # one minute short of the second retry
            assert server.recorder.counts() == {}
            advance(60)
            outbox = c.get("/v1/sandbox/outbox", headers=ADMIN).json()["data"]
        finally:
            server.stop()
    assert len(outbox) == len(emails) and all(m["sent_at"] for m in outbox)
    assert server.recorder.counts() == {message_id(m["id"]): 1 for m in outbox}
    assert {(r.status, r.attempts) for r in rows(ctx)} == {("sent", 3)}


def test_a_stalled_mail_server_does_not_hold_up_writes(ctx: Context, tmp_path) -> None:
    stalled = StalledServer()
    live = live_context(ctx, tmp_path, "live", stalled.url, smtp_timeout=2)
    create_license(ctx, email="owner@acme.test")
    body = {"product": "desktop", "seats": 2, "license_name": "Acme", "email": "it@acme.test"}

    def timed(method: str, url: str, **kw: Any) -> float:
        began = time.perf_counter()
        response = c.request(method, url, **kw)
        assert response.status_code in (201, 202), response.text
        return time.perf_counter() - began

    try:
        with TestClient(create_app(live, run_prepare=False)) as c:
            baseline = max(timed("POST", "/v1/licenses", json=body, headers=ADMIN)
                           for _ in range(3))
            queued = timed("POST", "/v1/licenses/lost-key", json={"email": "owner@acme.test"})
            assert stalled.connected.wait(5)  # the sender is stuck talking to the server
            during = timed("POST", "/v1/licenses", json=body, headers=ADMIN)
            [row] = rows(ctx)
            assert row.status == "queued" and row.claimed_by == live.mailer.sender_id
            assert row.attempts == 0  # still stuck: the write did not wait for the stall
            assert live.mailer.wait_idle(10)
    finally:
        stalled.stop()
    assert queued < 1.0 and during < max(1.0, 10 * baseline), (baseline, queued, during)
    [row] = rows(ctx)
    assert row.status == "queued" and row.attempts == 1 and "timed out" in row.last_error
