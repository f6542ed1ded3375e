"""Outbound webhooks end to end: a real receiver on 127.0.0.1, signatures checked with the
`standardwebhooks` package, retries on the sandbox clock, 410, Retry-After, rotation."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from licensor.core.context import Context
from tests import builders
from tests.webhooks.receiver import Receiver, receiver

# POST /v1/licenses with this file's defaults
issue = partial(builders.issue, seats=2, email="it@acme.test")

START = "2026-03-01T09:00:00Z"


def add_endpoint(client: TestClient, admin: dict[str, str], url: str,
                 events: list[str] | None = None) -> dict[str, Any]:
    r = client.post("/v1/webhook-endpoints", json={"url": url, "events": events or ["*"],
                                                   "description": "CRM"}, headers=admin)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def freeze(client: TestClient, admin: dict[str, str]) -> None:
    assert client.put("/v1/sandbox/clock", json={"now": START}, headers=admin).status_code == 200


def advance(client: TestClient, admin: dict[str, str], seconds: int) -> None:
    r = client.post("/v1/sandbox/clock/advance", json={"seconds": seconds}, headers=admin)
    assert r.status_code == 200, r.text


def deliveries(client: TestClient, admin: dict[str, str], endpoint_id: str
               ) -> list[dict[str, Any]]:
    r = client.get(f"/v1/webhook-endpoints/{endpoint_id}/deliveries", headers=admin)
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def arrived(hook: Receiver, count: int, ctx: Context) -> None:
    """`count` requests got, and their answers recorded (before the test moves the clock)."""
    hook.wait_for(count)
    assert ctx.webhook_sender.wait_idle()


def verified(secret: str, got: Any) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(got.body, got.headers)
    return payload


def test_a_license_created_arrives_signed_as_standard_webhooks(
        client: TestClient, admin: dict[str, str], ctx: Context) -> None:
    with receiver() as hook:
        endpoint = add_endpoint(client, admin, hook.url)
        assert endpoint["secret"].startswith("whsec_") and endpoint["status"] == "enabled"
        assert len(__import__("base64").b64decode(endpoint["secret"][6:])) >= 24
        lic = issue(client, admin)
        got = hook.wait_for(1)[0]
        assert ctx.webhook_sender.wait_idle()
    payload = verified(endpoint["secret"], got)
    assert payload["type"] == "license.created"
    assert payload["data"] == client.get(f"/v1/licenses/{lic['id']}", headers=admin).json()
    assert got.headers["webhook-id"] == payload["id"]
    event = client.get("/v1/events", headers=admin).json()["data"][0]
    assert event == {"id": payload["id"], "type": "license.created",
                     "created_at": payload["created_at"], "data": payload["data"]}
    with pytest.raises(WebhookVerificationError):  # a wrong secret does not verify
        Webhook("whsec_" + "A" * 44).verify(got.body, got.headers)
    listed = client.get("/v1/webhook-endpoints", headers=admin).json()["data"]
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]
    [delivery] = deliveries(client, admin, endpoint["id"])
    assert delivery["status"] == "succeeded" and delivery["response_status"] == 200
    assert delivery["attempt"] == 1 and delivery["duration_ms"] is not None


def test_a_failing_receiver_is_retried_on_the_sandbox_clock_with_the_same_id(
        client: TestClient, admin: dict[str, str], ctx: Context) -> None:
    freeze(client, admin)
    with receiver(script=[(500, {}), (502, {})]) as hook:
        endpoint = add_endpoint(client, admin, hook.url, ["license.created"])
        issue(client, admin)
        arrived(hook, 1, ctx)
        advance(client, admin, 4)  # not yet: the first retry waits 5 s
        advance(client, admin, 1)
        arrived(hook, 2, ctx)
        advance(client, admin, 299)
        assert len(hook.got) == 2  # the second retry waits 5 minutes
        advance(client, admin, 1)
        arrived(hook, 3, ctx)
        ids = hook.ids()
    assert len(ids) == 3 and len(set(ids)) == 1
    rows = deliveries(client, admin, endpoint["id"])
    assert [(d["attempt"], d["status"], d["response_status"]) for d in rows] == [
        (3, "succeeded", 200), (2, "failed", 502), (1, "failed", 500)]
    assert len(rows[1]["response_body"].encode()) <= 2048
    assert rows[1]["created_at"] == "2026-03-01T09:00:05Z"
    assert rows[0]["created_at"] == "2026-03-01T09:05:05Z"


def test_410_disables_the_endpoint_at_once(client: TestClient, admin: dict[str, str],
                                           ctx: Context) -> None:
    with receiver(default=(410, {})) as hook:
        endpoint = add_endpoint(client, admin, hook.url)
        issue(client, admin)
        hook.wait_for(1)
        ctx.webhook_sender.wait_idle()
        issue(client, admin)  # no delivery for a disabled endpoint
    shown = client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=admin).json()
    assert shown["status"] == "disabled" and "410" in shown["disabled_reason"]
    assert [d["status"] for d in deliveries(client, admin, endpoint["id"])] == ["failed"]
    assert len(hook.got) == 1
    mailed = client.get("/v1/sandbox/outbox", headers=admin).json()["data"]
    assert any(hook.url in m["subject"] for m in mailed)


def test_retry_after_is_honoured(client: TestClient, admin: dict[str, str],
                                ctx: Context) -> None:
    freeze(client, admin)
    with receiver(script=[(429, {"Retry-After": "120"})]) as hook:
        endpoint = add_endpoint(client, admin, hook.url)
        issue(client, admin)
        arrived(hook, 1, ctx)
        advance(client, admin, 5)  # the schedule's 5 s does not apply
        advance(client, admin, 100)
        assert len(hook.got) == 1
        pending = deliveries(client, admin, endpoint["id"])[0]
        assert pending["status"] == "pending"
        assert pending["next_attempt_at"] == "2026-03-01T09:02:00Z"
        advance(client, admin, 15)
        arrived(hook, 2, ctx)
        assert len(set(hook.ids())) == 1


def test_a_rotated_secret_signs_beside_the_new_one(client: TestClient,
                                                   admin: dict[str, str]) -> None:
    with receiver() as hook:
        endpoint = add_endpoint(client, admin, hook.url)
        r = client.post(f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=admin)
        assert r.status_code == 200, r.text
        new = r.json()["secret"]
        assert new != endpoint["secret"] and new.startswith("whsec_")
        issue(client, admin)
        got = hook.wait_for(1)[0]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert verified(endpoint["secret"], got) == verified(new, got)


def test_redeliver_sends_the_same_event_again(client: TestClient,
                                              admin: dict[str, str]) -> None:
    with receiver() as hook:
        add_endpoint(client, admin, hook.url)
        issue(client, admin)
        hook.wait_for(1)
        event_id = hook.ids()[0]
        r = client.post(f"/v1/events/{event_id}/redeliver", headers=admin)
        assert r.status_code == 202, r.text
        hook.wait_for(2)
    assert hook.ids() == [event_id, event_id]
    assert json.loads(hook.got[0].body) == json.loads(hook.got[1].body)


def test_refusals(client: TestClient, admin: dict[str, str]) -> None:
    def refused(r: Any, status: int, code: str) -> None:
        assert r.status_code == status, r.text
        assert r.json()["error"]["code"] == code and r.json()["error"]["message"]

    refused(client.post("/v1/webhook-endpoints", json={"url": "https://x.test", "events": ["*"]}),
            401, "UNAUTHENTICATED")
    refused(client.post("/v1/webhook-endpoints", json={"url": "ftp://x.test/", "events": ["*"]},
                        headers=admin), 422, "INVALID_URL")
    refused(client.post("/v1/webhook-endpoints", json={"url": "https://x.test/",
                                                       "events": ["license.exploded"]},
                        headers=admin), 422, "UNKNOWN_EVENT_TYPE")
    refused(client.get("/v1/webhook-endpoints/we_nope", headers=admin), 404,
            "WEBHOOK_ENDPOINT_NOT_FOUND")
    refused(client.post("/v1/events/evt_nope/redeliver", headers=admin), 404, "EVENT_NOT_FOUND")
    refused(client.get("/v1/events", params={"cursor": "evt_nope"}, headers=admin), 422,
            "INVALID_REQUEST")


def test_patch_and_delete(client: TestClient, admin: dict[str, str]) -> None:
    with receiver() as hook:
        endpoint = add_endpoint(client, admin, hook.url)
        r = client.patch(f"/v1/webhook-endpoints/{endpoint['id']}",
                         json={"events": ["order.paid"], "description": "books"}, headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["events"] == ["order.paid"] and r.json()["description"] == "books"
        issue(client, admin)  # not subscribed
        assert client.delete(f"/v1/webhook-endpoints/{endpoint['id']}",
                             headers=admin).status_code == 204
        assert client.get(f"/v1/webhook-endpoints/{endpoint['id']}",
                          headers=admin).status_code == 404
        assert hook.got == []


def test_three_days_of_failures_disable_the_endpoint_and_mail_the_vendor(
        client: TestClient, admin: dict[str, str], ctx: Context) -> None:
    freeze(client, admin)
    with receiver(default=(500, {})) as hook:
        endpoint = add_endpoint(client, admin, hook.url)
        issue(client, admin)
        arrived(hook, 1, ctx)
        advance(client, admin, 2 * 86400)
        ctx.webhook_sender.wait_idle()
        shown = client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=admin).json()
        assert shown["status"] == "enabled"  # failing for 2 days only
        advance(client, admin, 86400)
        ctx.webhook_sender.wait_idle()
    shown = client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=admin).json()
    assert shown["status"] == "disabled" and "3 days" in shown["disabled_reason"]
    rows = deliveries(client, admin, endpoint["id"])
    # Disabled by the jobs run as the clock reached day 3, before the third attempt was made:
    # a disabled endpoint is not called, its next try stays pending.
    assert [(d["attempt"], d["status"]) for d in rows] == [(3, "pending"), (2, "failed"),
                                                           (1, "failed")]
    assert len({d["event_id"] for d in rows}) == 1 and len(hook.got) == 2
    mailed = client.get("/v1/sandbox/outbox", params={"to": "licensing@localhost"},
                        headers=admin).json()["data"]
    assert [m["subject"] for m in mailed] == [f"Webhook endpoint disabled: {hook.url}"]
