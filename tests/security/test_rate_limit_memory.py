"""The in-memory rate-limit counts (one process, no Redis): fixed windows opened by each
address's first request, no thread of their own, ended windows dropped."""

from __future__ import annotations

import threading
import time

from licensor.core.rate_limits import LocalWindows, RateLimiter, parse_setting


def test_a_window_opens_at_the_first_request_and_refuses_past_the_limit() -> None:
    windows = LocalWindows()
    began = time.time()
    assert [windows.hit("validate", "10.0.0.1", 3, 60) for _ in range(3)] == [None] * 3
    ends = windows.hit("validate", "10.0.0.1", 3, 60)
    assert ends is not None and began + 60 <= ends <= time.time() + 60
    assert windows.hit("validate", "10.0.0.2", 3, 60) is None  # another address
    assert windows.hit("updates", "10.0.0.1", 3, 60) is None  # another limit


def test_an_ended_window_starts_again_and_is_dropped() -> None:
    windows = LocalWindows()
    assert windows.hit("validate", "10.0.0.1", 1, 0.2) is None
    assert windows.hit("validate", "10.0.0.1", 1, 0.2) is not None
    time.sleep(0.25)
    assert windows.hit("validate", "10.0.0.1", 1, 0.2) is None
    windows._next_sweep = 0.0  # the next hit sweeps, as it does once a second
    time.sleep(0.25)
    windows.hit("validate", "10.0.0.9", 1, 60)
    assert set(windows._windows) == {("validate", "10.0.0.9")}


def test_thousands_of_addresses_start_no_thread() -> None:
    limiter = RateLimiter(parse_setting(""))
    threads = threading.active_count()
    for i in range(5000):
        assert limiter.hit("validate", f"10.0.{i // 256}.{i % 256}") is None
    time.sleep(0.05)
    assert threading.active_count() == threads
    refusal = None
    for _ in range(1201):
        refusal = limiter.hit("validate", "10.9.9.9")
    assert refusal is not None and refusal.retry_after >= 1 and refusal.limit.amount == 1200
