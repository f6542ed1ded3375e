"""A charge made in a transaction that then rolls back is refunded: nobody pays for a
subscription change that did not happen."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from licensor.core.context import Context
from tests.builders import RecordingProcessor
from tests.subscriptions.conftest import Shop


def test_subscribe_whose_commit_fails_is_refunded(ctx: Context, client: TestClient,
                                                  shop: Shop) -> None:
    processor = RecordingProcessor(ctx.db)
    ctx.payments = processor
    owner, _ = shop.account()
    site = shop.site(owner)

    def fail(session: Session) -> None:
        if session.info.get("licensor.payments.unsettled"):
            raise RuntimeError("the database went away")

    event.listen(Session, "before_commit", fail)
    try:
        r = client.post("/v1/subscriptions", headers=owner, json={
            "plan": "small", "interval": "month", "card_token": "tok_visa",
            "site_id": site["id"]})
    finally:
        event.remove(Session, "before_commit", fail)
    assert r.status_code == 500
    assert len(processor.charges) == 1 and processor.refunds == processor.charge_ids
    again = client.get(f"/v1/sites/{site['id']}", headers=owner).json()
    assert again["subscription"]["status"] == "trialing"


def test_committed_charges_are_kept(ctx: Context, client: TestClient, shop: Shop) -> None:
    processor = RecordingProcessor(ctx.db)
    ctx.payments = processor
    owner, _ = shop.account()
    site = shop.site(owner)
    shop.subscribe(owner, site["id"])
    assert len(processor.charges) == 1 and processor.refunds == []
