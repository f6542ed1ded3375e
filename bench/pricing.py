"""Pricing and proration stay in microseconds per quote.

Times the domain functions a quote runs (no database, no HTTP): a new license's list price
(volume and tiered products), an upgrade price (domain/pricing.py), and a subscription plan
change with its proration and settlement (domain/proration.py + domain/periods.py). The
baseline, measured in the same run, is one raw Ed25519 verify (pynacl), the unit the other
benchmarks use: each figure is also printed as a ratio to it.

Target: every quote under 100 µs (most take a few µs).
Run: .venv/bin/python bench/pricing.py [--rounds 7] [--number 5000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from fractions import Fraction

from nacl.bindings import crypto_sign_open
from nacl.signing import SigningKey

from licensor.catalog.rules import parse_product
from licensor.catalog.service import default_catalog
from licensor.core.money import Money

TARGET_US = 100.0


def per_call_us(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(number):
        fn()
    return (time.perf_counter_ns() - start) / number / 1000


def cases() -> dict[str, Callable[[], object]]:
    products = {p["code"]: parse_product(p) for p in default_catalog()}
    desktop, confluence = products["desktop"], products["confluence-server"]
    assert desktop.pricing is not None and confluence.pricing is not None
    price = desktop.pricing.list_price(5)
    found: dict[str, Callable[[], object]] = {
        "list price, volume (desktop 37 seats)": lambda: desktop.pricing.list_price(37),  # type: ignore[union-attr]
        "list price, tiers (confluence 50)": lambda: confluence.pricing.list_price(50),  # type: ignore[union-attr]
        "money: 3 x price, -10% (half-even), - 5.00": lambda: (
            price.times(3).scaled(Fraction(9, 10)) - Money(500, "USD")),
    }
    try:
        from licensor.orders import rules as pricing
    except ImportError:
        print("domain/pricing.py is not there yet: upgrade prices not measured")
    else:
        found["upgrade price, volume (desktop 1 -> 5)"] = (
            lambda: pricing.upgrade_price(desktop.pricing, 1, 5))  # type: ignore[arg-type]
        found["upgrade price, tiers (confluence 25 -> 100)"] = (
            lambda: pricing.upgrade_price(confluence.pricing, 25, 100))  # type: ignore[arg-type]
        found["(whole upgrade table, confluence: not a quote)"] = (
            lambda: pricing.upgrade_table(confluence.pricing))  # type: ignore[arg-type]
    try:
        from licensor.subscriptions import periods
        from licensor.subscriptions import rules as proration
    except ImportError:
        print("domain/proration.py is not there yet: plan changes not measured")
    else:
        anchor = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
        current = periods.period(anchor, "month", 1)  # 2026-02-28 09:30 .. 2026-03-31 09:30
        at = datetime(2026, 3, 11, 17, 45, 12, 345678, tzinfo=UTC)
        usd = Money.zero("USD").currency

        def size_change() -> object:
            return proration.change_plan(
                current=current, basis=Money(1000, usd), old_name="Standard",
                new_name="Premium", new_price=Money(2500, usd), new_period=None, at=at,
                credit_balance=Money(300, usd))

        def interval_change() -> object:
            return proration.change_plan(
                current=current, basis=Money(1000, usd), old_name="Standard monthly",
                new_name="Standard yearly", new_price=Money(10000, usd),
                new_period=periods.period(at, "year", 0), at=at,
                credit_balance=Money(0, usd))

        found["plan change, size (prorated both ways)"] = size_change
        found["plan change, monthly -> yearly"] = interval_change
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=5000)
    args = parser.parse_args()

    key = SigningKey.generate()
    signed = key.sign(b"x" * 120)
    public = bytes(key.verify_key)

    def baseline() -> object:
        return crypto_sign_open(signed, public)

    quotes = cases()
    times: dict[str, list[float]] = {name: [] for name in ["ed25519 verify (baseline)",
                                                           *quotes]}
    for fn in [baseline, *quotes.values()]:
        per_call_us(fn, args.number // 10)  # warm up
    for _ in range(args.rounds):  # interleaved, so that noise hits all alike
        times["ed25519 verify (baseline)"].append(per_call_us(baseline, args.number))
        for name, fn in quotes.items():
            times[name].append(per_call_us(fn, args.number))
    base = statistics.median(times["ed25519 verify (baseline)"])
    ok = True
    print(f"medians of {args.rounds} rounds x {args.number} calls")
    print(f"{'quote':<46} {'us/quote':>9} {'x verify':>9}")
    for name, samples in times.items():
        us = statistics.median(samples)
        met = name.startswith(("ed25519", "(")) or us < TARGET_US
        ok &= met
        print(f"{name:<46} {us:9.2f} {us / base:9.3f}" + ("" if met else "  MISSED"))
    print(f"target: every quote < {TARGET_US:.0f} us: " + ("OK" if ok else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
