"""Two requests subscribing one Google ID at the same moment: exactly one subscription, and
the loser is not charged (or is refunded)."""

from __future__ import annotations

from licensor.accounts.models import AccountRow
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.subscriptions import changes
from tests.builders import RecordingProcessor, race
from tests.subscriptions.conftest import Shop


def test_one_live_subscription_per_google_id_under_a_race(ctx: Context, shop: Shop) -> None:
    ledger = RecordingProcessor(ctx.db)
    ctx.payments = ledger
    accounts = [shop.account()[1]["id"] for _ in range(4)]

    def attempt(i: int) -> str:
        with ctx.db.transaction() as session:
            account = session.get(AccountRow, accounts[i])
            changes.subscribe(ctx, session, account, changes.SubscribeRequest(
                product="google-drive", plan="single", interval="month",
                card_token="tok_visa", google_id="someone@gmail.test"),
                ctx.clock.now(session))
        return "subscribed"

    outcomes = [r.code if isinstance(r, LicensorError) else r
                for r in race(len(accounts), attempt, timeout=60)]
    assert sorted(outcomes) == ["ALREADY_SUBSCRIBED"] * 3 + ["subscribed"]
    kept = [c for c in ledger.charge_ids if c not in ledger.refunds]
    assert len(kept) == 1
