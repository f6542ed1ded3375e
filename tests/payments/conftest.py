"""localstripe for the Stripe processor's tests: one per test process, emptied per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from licensor.core.context import Context
from licensor.core.payments_stripe import StripeProcessor
from tests.payments.stripe_adapter import LocalStripe

TIMEOUT = 1.0  # the processor's HTTP timeout; the adapter's "hold" lasts longer


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    stand_in = LocalStripe(tmp_path_factory.mktemp("localstripe") / "localstripe.log")
    yield stand_in
    stand_in.close()


def processor(base: str) -> StripeProcessor:
    return StripeProcessor("sk_test_localstripe", api_base=base, timeout=TIMEOUT,
                           return_url="http://127.0.0.1:8000/payments/return")


@pytest.fixture
def stripe_ls(ctx: Context, localstripe: LocalStripe) -> Iterator[LocalStripe]:
    """The app taking payments through StripeProcessor, at localstripe (by its adapter)."""
    localstripe.reset()
    ctx.payments = processor(localstripe.base)
    yield localstripe
    ctx.payments = None
    localstripe.reset()
