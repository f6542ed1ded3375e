"""What falls due with time, driven by the sandbox clock: renewals, trial ends, cancellation,
suspension, deletion; and Google Drive subscriptions (failed payments: test_dunning)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.subscriptions.conftest import Shop

DAY = 86400


def code(r: Any) -> str:
    return str(r.json()["error"]["code"])


def get_sub(client: TestClient, who: dict[str, str], sub_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/subscriptions/{sub_id}", headers=who)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_several_renewals_in_one_advance_each_as_of_its_due_time(shop: Shop,
                                                                 client: TestClient) -> None:
    shop.set_clock(datetime(2024, 1, 31, 12, tzinfo=UTC))
    owner, acc = shop.account()
    sid = shop.site(owner)["id"]
    sub = shop.subscribe(owner, sid, plan="starter")
    shop.advance(70 * DAY)  # past Feb 29 and Mar 31
    now = get_sub(client, owner, sub["id"])
    assert now["status"] == "active"
    assert now["current_period_start"] == "2024-03-31T12:00:00Z"
    assert now["current_period_end"] == "2024-04-30T12:00:00Z"
    renewals = [i for i in shop.invoices(owner, sub["id"]) if i["reason"] == "renewal"]
    assert [i["created_at"] for i in renewals] == ["2024-02-29T12:00:00Z",
                                                   "2024-03-31T12:00:00Z"]
    assert all(i["amount_paid"]["amount"] == 2400 for i in renewals)
    assert len([m for m in shop.outbox(acc["email"]) if "renewed" in m["subject"]]) == 2
    # running the jobs again at the same time does nothing more
    assert shop.advance(0)["jobs"]["subscriptions"] == 0


def test_trial_end_suspends_then_deletes_after_90_days(shop: Shop, client: TestClient) -> None:
    owner, acc = shop.account()
    member, _ = shop.account("m@example.test")
    site = shop.site(owner)
    sid = site["id"]
    client.post(f"/v1/sites/{sid}/members", json={"email": "m@example.test", "role": "staff"},
                headers=owner)
    pid = shop.projects(owner, sid, 1)[0]
    shop.advance(30 * DAY)
    assert get_sub(client, owner, site["subscription"]["id"])["status"] == "suspended"
    assert any("ended" in m["subject"] for m in shop.outbox(acc["email"]))
    r = client.get(f"/v1/sites/{sid}", headers=member)
    assert r.status_code == 403 and code(r) == "SITE_SUSPENDED"
    r = client.post(f"/v1/sites/{sid}/projects", json={"name": "x"}, headers=owner)
    assert r.status_code == 403 and code(r) == "SITE_SUSPENDED"
    r = client.post(f"/v1/sites/{sid}/projects/{pid}/archive", headers=owner)
    assert r.status_code == 403 and code(r) == "SITE_SUSPENDED"
    export = client.get(f"/v1/sites/{sid}/export", headers=owner)
    assert export.status_code == 200 and len(export.json()["projects"]) == 1
    r = client.get(f"/v1/sites/{sid}/export", headers=member)
    assert r.status_code == 403
    shop.advance(89 * DAY)
    assert client.get(f"/v1/sites/{sid}", headers=owner).status_code == 200
    shop.advance(DAY)
    r = client.get(f"/v1/sites/{sid}", headers=owner)
    assert r.status_code == 404 and code(r) == "SITE_NOT_FOUND"
    assert get_sub(client, owner, site["subscription"]["id"])["status"] == "deleted"
    assert any("deleted" in m["subject"] for m in shop.outbox(acc["email"]))


def test_owner_restarts_a_suspended_site(shop: Shop, client: TestClient) -> None:
    owner, _ = shop.account()
    site = shop.site(owner)
    shop.advance(40 * DAY)
    sub = shop.subscribe(owner, site["id"], plan="small")
    assert sub["status"] == "active" and sub["current_period_start"] == "2025-07-11T00:00:00Z"
    shop.advance(100 * DAY)  # renewals keep it alive past the 90 days
    assert client.get(f"/v1/sites/{site['id']}", headers=owner).status_code == 200


def test_cancel_keeps_access_until_period_end_without_charging(shop: Shop,
                                                              client: TestClient) -> None:
    owner, _ = shop.account()
    sid = shop.site(owner)["id"]
    sub = shop.subscribe(owner, sid, plan="small")
    shop.advance(5 * DAY)
    r = client.post(f"/v1/subscriptions/{sub['id']}/cancel", headers=owner)
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["cancel_at_period_end"]) == ("canceled", True)
    r = client.post(f"/v1/subscriptions/{sub['id']}/cancel", headers=owner)
    assert r.status_code == 409 and code(r) == "SUBSCRIPTION_NOT_ACTIVE"
    assert client.post(f"/v1/sites/{sid}/projects", json={"name": "x"},
                       headers=owner).status_code == 201
    shop.advance(26 * DAY)
    assert get_sub(client, owner, sub["id"])["status"] == "suspended"
    assert len(shop.invoices(owner, sub["id"])) == 1


def test_owner_deletes_the_site(shop: Shop, client: TestClient) -> None:
    owner, _ = shop.account()
    member, _ = shop.account("mm@example.test")
    sid = shop.site(owner)["id"]
    client.post(f"/v1/sites/{sid}/members", json={"email": "mm@example.test",
                                                  "role": "member"}, headers=owner)
    r = client.delete(f"/v1/sites/{sid}", headers=member)
    assert r.status_code == 403 and code(r) == "NOT_SITE_OWNER"
    r = client.delete(f"/v1/sites/{sid}", headers=owner)
    assert r.status_code == 200 and r.json()["subscription"]["status"] == "deleted"
    assert client.get(f"/v1/sites/{sid}", headers=owner).status_code == 404


# -- Google Drive -----------------------------------------------------------------------------

def drive(client: TestClient, who: dict[str, str], **kw: Any) -> Any:
    body = {"product": "google-drive", "plan": "single", "interval": "month",
            "card_token": "tok_visa", "google_id": "ann@gmail.test", **kw}
    return client.post("/v1/subscriptions", json=body, headers=who)


def test_google_drive_is_one_user_per_google_id(shop: Shop, client: TestClient) -> None:
    ann, _ = shop.account()
    other, _ = shop.account()
    r = drive(client, ann, quantity=5)
    assert r.status_code == 409 and code(r) == "SINGLE_USER_ONLY"
    assert "no volume or company-wide purchase" in r.json()["error"]["message"]
    r = drive(client, ann)
    assert r.status_code == 201, r.text
    sub = r.json()
    assert (sub["google_id"], sub["site_id"], sub["status"]) == ("ann@gmail.test", None,
                                                                 "active")
    assert shop.invoices(ann, sub["id"])[0]["amount_paid"]["amount"] == 500
    r = drive(client, other)
    assert r.status_code == 409 and code(r) == "ALREADY_SUBSCRIBED"
    assert client.get(f"/v1/subscriptions/{sub['id']}", headers=other).status_code == 404
    r = drive(client, ann, google_id=None)
    assert r.status_code == 422
    r = drive(client, ann, google_id="bob@gmail.test", card_token="tok_declined")
    assert r.status_code == 402


def test_google_drive_monthly_to_yearly_and_view_only_at_the_end(shop: Shop,
                                                                client: TestClient) -> None:
    ann, _ = shop.account()
    sub = drive(client, ann).json()
    shop.advance(DAY)  # 29/30 of the month left
    r = client.post(f"/v1/subscriptions/{sub['id']}/change", json={"interval": "year"},
                    headers=ann)
    view = r.json()
    credit, charge = view["lines"]
    assert (credit["amount"]["amount"], charge["amount"]["amount"]) == (483, 5000)
    assert view["amount_due"]["amount"] == 4517
    assert view["current_period_end_after"] == "2026-06-02T00:00:00Z"
    r = client.post(f"/v1/subscriptions/{sub['id']}/change", json={"plan": "single"},
                    headers=ann)
    assert code(r) == "NO_CHANGE"
    client.post(f"/v1/subscriptions/{sub['id']}/cancel", headers=ann)
    shop.advance(366 * DAY)
    assert get_sub(client, ann, sub["id"])["status"] == "view_only"
    again = drive(client, ann)  # a new subscription once the old one has ended
    assert again.status_code == 201 and again.json()["id"] != sub["id"]
