"""The rate limiter's share of a validation, in one process (so other load hits both alike).

Target: the limiter on the validate path — reading the client from X-Forwarded-For behind a
trusted proxy and counting it (RateLimitMiddleware.count, as the hot path calls it) — costs
≤ 5 % of one validation (validation.validate_signed: the database lookup, the Ed25519 verify
of the key, the signed answer), with traffic from `--addresses` client addresses.

Run: .venv/bin/python bench/limiter.py [--addresses 2000] [--rounds 7] [--number 5000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import seed_licenses

TARGET = 0.05


def per_call_us(fn: Callable[[int], object], number: int) -> float:
    start = time.perf_counter_ns()
    for i in range(number):
        fn(i)
    return (time.perf_counter_ns() - start) / number / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addresses", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=5000)
    args = parser.parse_args()

    from licensor.config import Settings
    from licensor.core.context import build_context
    from licensor.core.rate_limits import RateLimiter, parse_setting
    from licensor.core.web.clients import ClientAddresses, trusted_networks
    from licensor.core.web.rate_limit import RateLimitMiddleware
    from licensor.licenses import validation

    with tempfile.TemporaryDirectory(prefix="licensor-limiter-") as tmp:
        home = Path(tmp)
        bodies = seed_licenses(home, f"sqlite:///{home / 'licensor.db'}", 2000, sample=500)
        ctx = build_context(Settings())
        limits = parse_setting("")
        assert limits is not None
        middleware = RateLimitMiddleware(None, RateLimiter(limits),  # type: ignore[arg-type]
                                         ClientAddresses(trusted_networks("127.0.0.1")))
        scopes = [{"client": ("127.0.0.1", 50000), "headers": [
            (b"content-type", b"application/json"),
            (b"x-forwarded-for", f"10.0.{i // 256}.{i % 256}".encode())]}
            for i in range(args.addresses)]

        def validate(i: int) -> object:
            body = bodies[i % len(bodies)]
            return validation.validate_signed(ctx, body["license_name"], body["license_key"],
                                              None, "n")

        def limit(i: int) -> object:
            scope = scopes[i % len(scopes)]
            return middleware.count("validate", scope)  # what the validate hot path calls

        assert b'"VALID"' in validate(0)[0]  # type: ignore[index]
        shares, full, limiter = [], [], []
        for _ in range(args.rounds):  # interleaved: noise hits both alike
            full.append(per_call_us(validate, args.number))
            limiter.append(per_call_us(limit, args.number))
            shares.append(limiter[-1] / full[-1])
        validation.close(ctx)
        ctx.db.dispose()

    share = statistics.median(shares)
    print(f"validation {statistics.median(full):.1f} µs, limiter "
          f"{statistics.median(limiter):.2f} µs ({args.addresses:,} addresses) per call; "
          f"share {100 * share:.1f} % (target <= {100 * TARGET:.0f} %) "
          + ("OK" if share <= TARGET else "MISSED")
          + "  rounds: " + ", ".join(f"{100 * s:.1f}" for s in shares))
    return 0 if share <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
