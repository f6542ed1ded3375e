"""Rate limits on the public surface, counted per client address with the `limits` library.

The counts live in Redis when LICENSOR_REDIS_URL is set, so every worker process and host
behind one load balancer shares them; otherwise in this process's memory, so each worker
counts on its own (N workers let N times the limit through). In memory they are counted by
LocalWindows below rather than by `limits`' MemoryStorage, which starts a timer thread every
10 ms that walks every key: with thousands of client addresses that thread took a large share
of the interpreter from the validate path (docs/performance.md).

Fixed windows: one counter per address and window, the cheapest check there is (an INCR in
Redis), which matters on the validate path. An address may send up to twice a limit across the
edge of two windows; the limits are set well above honest use, so that is accepted.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger("licensor.rate_limits")

# What one address may send; LICENSOR_RATE_LIMITS overrides single ones ("validate=600/minute").
DEFAULTS: Mapping[str, str] = {
    "validate": "1200/minute",       # POST /v1/licenses/validate
    "updates": "600/minute",         # POST /v1/updates/check, /v1/downloads, /v1/licenses/checkout
    "registrations": "120/minute",   # POST /v1/registrations[/unregister]
    "quotes": "60/minute",           # POST /v1/quotes
    "orders": "60/minute",           # POST /v1/orders, POST /v1/orders/{id}/pay
    "sessions": "30/minute",         # POST /v1/sessions
    "accounts": "30/minute",         # POST /v1/accounts
    "lost_key": "10/hour",           # POST /v1/licenses/lost-key
}

# The words of a refusal: what the caller was doing too often.
WHAT: Mapping[str, str] = {
    "validate": "license validations", "updates": "update checks",
    "registrations": "registrations", "quotes": "quotes", "orders": "orders and payments",
    "sessions": "sign-ins", "accounts": "sign-ups", "lost_key": "lost-key requests",
}


class RateLimitConfigError(ValueError):
    """LICENSOR_RATE_LIMITS cannot be read; the message says what to write instead."""


def parse_setting(setting: str | None) -> dict[str, RateLimitItem] | None:
    """The limits in force: None when turned off ("off"), else the defaults with overrides."""
    text = (setting or "").strip()
    if text.lower() in ("off", "0", "false", "no", "none"):
        return None
    chosen = dict(DEFAULTS)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip().lower().replace("-", "_")
        if not sep or name not in DEFAULTS:
            raise RateLimitConfigError(
                f"LICENSOR_RATE_LIMITS: '{part}' is not NAME=LIMIT with NAME one of "
                f"{', '.join(DEFAULTS)} (for example validate=600/minute), or 'off'.")
        chosen[name] = value.strip()
    items: dict[str, RateLimitItem] = {}
    for name, value in chosen.items():
        try:
            items[name] = parse(value)
        except ValueError:
            raise RateLimitConfigError(
                f"LICENSOR_RATE_LIMITS: '{value}' for {name} is not a limit; write it as "
                "COUNT/PERIOD, for example 600/minute, 10/hour or 3/second.") from None
    return items


@dataclass(frozen=True)
class Refusal:
    name: str
    limit: RateLimitItem
    retry_after: int  # whole seconds until the window resets (at least 1)

    @property
    def message(self) -> str:
        return (f"Too many {WHAT.get(self.name, 'requests')} from this address "
                f"(the limit is {self.limit.amount} per {_period(self.limit)}); wait "
                f"{self.retry_after} second{'s' if self.retry_after != 1 else ''} and try again.")

    @property
    def details(self) -> dict[str, object]:
        return {"limit": self.name, "allowed": self.limit.amount,
                "period_seconds": self.limit.get_expiry(), "retry_after": self.retry_after}


def _period(item: RateLimitItem) -> str:
    return item.GRANULARITY.name if item.multiples == 1 else \
        f"{item.multiples} {item.GRANULARITY.name}s"


class LocalWindows:
    """Fixed windows in this process's memory, each opened by its key's first hit (as the
    `limits` strategy does in Redis). Windows that ended are dropped once a second."""

    SWEEP_SECONDS = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], list[float]] = {}  # key: [count, ends at]
        self._next_sweep = 0.0

    def hit(self, name: str, client: str, allowed: int, period: float) -> float | None:
        """Count one request: None within the limit, else when its window ends (epoch s)."""
        now = time.time()
        with self._lock:
            if now >= self._next_sweep:
                self._windows = {k: w for k, w in self._windows.items() if w[1] > now}
                self._next_sweep = now + self.SWEEP_SECONDS
            window = self._windows.get((name, client))
            if window is None or now >= window[1]:
                window = self._windows[(name, client)] = [0, now + period]
            window[0] += 1
            return None if window[0] <= allowed else window[1]

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


class RateLimiter:
    """Counts requests per (limit name, client address) and says when one is over."""

    def __init__(self, items: Mapping[str, RateLimitItem], redis_url: str | None = None,
                 prefix: str = "licensor") -> None:
        self.items = dict(items)
        self.shared = bool(redis_url)
        self._local = None if redis_url else LocalWindows()
        self._strategy = (FixedWindowRateLimiter(RedisStorage(redis_url, key_prefix=prefix))
                          if redis_url else None)
        self._last_outage_log = 0.0

    def hit(self, name: str, client: str) -> Refusal | None:
        """Count one request; a Refusal when it is over the limit. Fails open: if Redis cannot
        be reached the request goes through (logged), because refusing every validation while
        Redis restarts would hurt every customer to stop a few guessers."""
        item = self.items.get(name)
        if item is None:
            return None
        if self._local is not None:
            ends = self._local.hit(name, client, item.amount, item.get_expiry())
            return None if ends is None else \
                Refusal(name, item, max(1, math.ceil(ends - time.time())))
        assert self._strategy is not None
        try:
            if self._strategy.hit(item, name, client):
                return None
            reset_at = self._strategy.get_window_stats(item, name, client).reset_time
        except Exception:  # the storage is down: see the docstring
            now = time.monotonic()
            if now - self._last_outage_log > 60:
                self._last_outage_log = now
                log.exception("rate-limit storage unreachable; requests are not limited")
            return None
        return Refusal(name, item, max(1, math.ceil(reset_at - time.time())))

    def reset(self) -> None:
        if self._local is not None:
            self._local.reset()
        elif self._strategy is not None:
            self._strategy.storage.reset()
