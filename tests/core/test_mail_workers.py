"""Every message arrives exactly once with two server workers and a CLI sender at work at the same
time: real `licensor serve --workers 2` and `licensor mail send` processes on PostgreSQL, a slow
real SMTP server (aiosmtpd, 0.1 s per message), counted by Message-ID."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from licensor.core.context import Context
from licensor.core.models import MailRow
from tests.builders import create_license
from tests.conftest import PG_URL
from tests.core.server import Server
from tests.core.smtp_servers import Recorder, SmtpServer

pytestmark = pytest.mark.skipif(not PG_URL, reason="several processes need PostgreSQL "
                                "(set LICENSOR_TEST_DATABASE_URL)")

LICENSOR = str(Path(sys.executable).parent / "licensor")


def unsent(ctx: Context) -> int:
    with ctx.db.reader() as s:
        return int(s.scalar(select(func.count()).select_from(MailRow)
                            .where(MailRow.status != "sent")) or 0)


@pytest.mark.server
def test_two_workers_and_a_cli_sender_send_every_message_once(ctx: Context,
                                                              tmp_path: Path) -> None:
    smtp = SmtpServer(Recorder(delay=0.1)).start()
    emails = [f"owner{i}@acme.test" for i in range(40)]
    for email in emails:
        create_license(ctx, email=email)
    server = Server(ctx, tmp_path, workers=2,
                    env={"LICENSOR_SMTP_URL": smtp.url, "LICENSOR_JOBS_INTERVAL": "1"})
    env = server.env
    bursts_done = threading.Event()
    cli_runs: list[int] = []

    def cli_sender() -> None:
        while not bursts_done.is_set():
            cli_runs.append(subprocess.run([LICENSOR, "mail", "send"], check=False, env=env,
                                           capture_output=True, timeout=60).returncode)

    try:
        server.start()
        base = server.base
        sender = threading.Thread(target=cli_sender)
        sender.start()
        with httpx.Client(base_url=base, timeout=30) as client, ThreadPoolExecutor(8) as pool:
            for _burst in range(3):
                statuses = list(pool.map(
                    lambda e: client.post("/v1/licenses/lost-key", json={"email": e}).status_code,
                    emails))
                assert statuses == [202] * len(emails)
        deadline = time.monotonic() + 60
        while unsent(ctx) and time.monotonic() < deadline:
            time.sleep(0.2)  # other processes send: all this test can do is look
        bursts_done.set()
        sender.join(60)
    finally:
        bursts_done.set()
        server.stop()
        smtp.stop()
    with ctx.db.reader() as s:
        ids = list(s.scalars(select(MailRow.id)))
    counts = smtp.recorder.counts()
    assert len(ids) == 3 * len(emails) and unsent(ctx) == 0
    duplicates = {k: n for k, n in counts.items() if n > 1}
    assert duplicates == {}
    assert counts == {f"<{i}@localhost>": 1 for i in ids}
    assert cli_runs and set(cli_runs) == {0}
