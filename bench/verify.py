"""Offline verify of one License Key against one raw Ed25519 verify, in the same process.

Target: `Verifier.verify` ≤ 1.2 × `nacl.bindings.crypto_sign_open` (the same signature library).
Run: .venv/bin/python bench/verify.py [--rounds 9] [--number 5000]

Both loops run interleaved round by round so that noise from other processes on the machine
hits both alike; the figures are the medians of the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from nacl.bindings import crypto_sign_open
from nacl.signing import SigningKey

from licensor.verify import VALID, Claims, Verifier, encode_claims, format_key

TARGET = 1.2


def per_call_us(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(number):
        fn()
    return (time.perf_counter_ns() - start) / number / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--number", type=int, default=5000, help="calls per round")
    args = parser.parse_args()

    signing_key = SigningKey.generate()
    public_key = bytes(signing_key.verify_key)
    kid = "0badc0de"
    claims = Claims(license_id="lic_" + "5e" * 16, product="desktop", seats=25,
                    issued_at=1_767_225_600, kid=kid, maintenance_until=1_798_761_600,
                    major_version=3)
    name = "Acme Widgets GmbH"
    message = encode_claims(claims, name)
    signature = signing_key.sign(message).signature
    license_key = format_key(message + signature)
    signed = signature + message
    verifier = Verifier({kid: public_key, "00000001": bytes(32)})
    assert verifier.verify(name, license_key, "desktop").code == VALID
    assert crypto_sign_open(signed, public_key) == message

    def raw() -> object:
        return crypto_sign_open(signed, public_key)

    def full() -> object:
        return verifier.verify(name, license_key, "desktop")

    per_call_us(raw, args.number // 5)  # warm up
    per_call_us(full, args.number // 5)
    raw_times, verify_times = [], []
    for _ in range(args.rounds):
        raw_times.append(per_call_us(raw, args.number))
        verify_times.append(per_call_us(full, args.number))
    raw_us, verify_us = statistics.median(raw_times), statistics.median(verify_times)
    ratios = sorted(v / r for v, r in zip(verify_times, raw_times, strict=True))
    ratio = verify_us / raw_us
    print(f"key: {len(license_key)} characters; {args.rounds} rounds x {args.number} calls")
    print(f"raw crypto_sign_open : median {raw_us:7.2f} us  (rounds: "
          + ", ".join(f"{t:.1f}" for t in raw_times) + ")")
    print(f"Verifier.verify      : median {verify_us:7.2f} us  (rounds: "
          + ", ".join(f"{t:.1f}" for t in verify_times) + ")")
    print("per-round ratios     : " + ", ".join(f"{r:.3f}" for r in ratios))
    print(f"ratio verify/raw     : {ratio:.3f}  (target <= {TARGET}) "
          + ("OK" if ratio <= TARGET else "MISSED"))
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
