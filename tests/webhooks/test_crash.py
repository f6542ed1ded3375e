"""SIGKILL between commit and delivery loses and doubles no event: a real `licensor serve`
(two workers) on PostgreSQL, licenses issued over HTTP while a slow real receiver takes the
webhooks; the server is killed mid-stream and restarted. Then exactly the events committed
arrive, counted by webhook-id (a repeat of one id is allowed: delivery is at least once)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from licensor.core.context import Context
from licensor.webhooks.delivery import LEASE
from tests.conftest import ADMIN, PG_URL
from tests.core.server import Server
from tests.webhooks.receiver import receiver

pytestmark = pytest.mark.skipif(not PG_URL, reason="the crash test runs on PostgreSQL "
                                "(LICENSOR_TEST_DATABASE_URL; CI runs the suite on both)")

LICENSES = 40


@pytest.mark.server
@pytest.mark.slow
def test_kill_between_commit_and_delivery(ctx: Context, tmp_path: Path) -> None:
    server = Server(ctx, tmp_path, workers=2)
    server.start()
    answered: list[str] = []
    with receiver() as hook:
        original = hook.answer

        def slow_answer() -> tuple[int, dict[str, str]]:
            time.sleep(0.1)  # deliveries lag behind commits, so the kill finds some pending
            return original()

        hook.answer = slow_answer  # type: ignore[method-assign]
        try:
            r = httpx.post(server.base + "/v1/webhook-endpoints", headers=ADMIN,
                           json={"url": hook.url, "events": ["license.created"]})
            assert r.status_code == 201, r.text

            def issue() -> None:
                for i in range(LICENSES):
                    try:
                        r = httpx.post(server.base + "/v1/licenses", headers=ADMIN, timeout=10,
                                       json={"product": "desktop", "seats": 1,
                                             "license_name": f"Crash {i}",
                                             "email": "crash@acme.test"})
                    except httpx.HTTPError:
                        return  # the server is gone: what it committed must still arrive
                    if r.status_code != 201:
                        return
                    answered.append(r.json()["id"])

            writer = threading.Thread(target=issue)
            writer.start()
            time.sleep(random.uniform(0.5, 1.5))
            server.kill()
            writer.join()
            seen_before_restart = len(hook.got)
            server.start()
            with httpx.Client(base_url=server.base, headers=ADMIN) as http:
                committed = http.get("/v1/events", params={"limit": 500}).json()["data"]
                licenses = http.get("/v1/licenses", params={"limit": 500}).json()["data"]
                deadline = time.monotonic() + LEASE.total_seconds() + 30
                while time.monotonic() < deadline and set(hook.ids()) != {
                        e["id"] for e in committed}:
                    time.sleep(0.2)
        finally:
            server.stop()
    ids = hook.ids()
    assert set(ids) == {e["id"] for e in committed}  # none lost, none invented
    assert {e["data"]["id"] for e in committed} == {lic["id"] for lic in licenses}
    assert set(answered) <= {lic["id"] for lic in licenses}
    repeats = sum(n - 1 for n in Counter(ids).values())
    print(f"{len(committed)} events committed, {seen_before_restart} delivered before the kill, "
          f"{len(ids)} deliveries in all ({repeats} repeated)")
