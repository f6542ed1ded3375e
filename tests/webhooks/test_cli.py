"""`licensor webhooks add|list|deliveries|redeliver` on the test's database."""

from __future__ import annotations

import json

from licensor.core.context import Context
from licensor.webhooks import delivery as webhook_delivery
from tests.builders import create_license
from tests.conftest import Run
from tests.webhooks.receiver import receiver


def test_add_list_deliveries_redeliver(cli: Run, ctx: Context) -> None:
    with receiver() as hook:
        added = json.loads(cli("webhooks", "add", hook.url, "--events",
                               "license.created,license.revoked", "--description", "CRM"))
        assert added["secret"].startswith("whsec_") and added["events"] == [
            "license.created", "license.revoked"]
        listed = json.loads(cli("webhooks", "list", "--json"))
        assert [e["id"] for e in listed] == [added["id"]] and "secret" not in listed[0]
        create_license(ctx)
        webhook_delivery.deliver_all_due(ctx)
        [first] = hook.wait_for(1)
        event_id = first.headers["webhook-id"]
        out = cli("webhooks", "redeliver", event_id)
        assert "1 delivery(ies) queued, 1 delivered" in " ".join(out.split())
        assert hook.ids() == [event_id, event_id]
        shown = json.loads(cli("webhooks", "deliveries", added["id"], "--json"))
        assert [d["status"] for d in shown] == ["succeeded", "succeeded"]
        cli("webhooks", "redeliver", "evt_nope", code=2)
        assert "EVENT_NOT_FOUND" in cli("webhooks", "redeliver", "evt_nope", code=2)
        assert "UNKNOWN_EVENT_TYPE" in cli("webhooks", "add", hook.url, "--events", "x.y",
                                           code=2)
