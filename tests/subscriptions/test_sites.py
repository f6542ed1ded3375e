"""Sites: trial, members and roles, billing admin, projects and plan limits."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.subscriptions.conftest import Shop


def code(r: object) -> str:
    return str(r.json()["error"]["code"])  # type: ignore[attr-defined]


def test_new_site_is_in_a_30_day_trial(shop: Shop, client: TestClient) -> None:
    owner, acc = shop.account()
    site = shop.site(owner)
    assert site["owner_id"] == acc["id"] and site["billing_admin_id"] is None
    sub = site["subscription"]
    assert sub["status"] == "trialing" and sub["site_id"] == site["id"]
    assert sub["current_period_start"] == "2025-06-01T00:00:00Z"
    assert sub["current_period_end"] == "2025-07-01T00:00:00Z"
    assert sub["credit_balance"] == {"amount": 0, "currency": "USD"}
    assert set(sub) == {"id", "product", "plan", "interval", "status", "current_period_start",
                        "current_period_end", "cancel_at_period_end", "credit_balance",
                        "site_id", "google_id", "discount", "past_due_since",
                        "next_payment_attempt_at", "failed_payment_attempts", "currency",
                        "billing_details"}
    assert sub["discount"] is None  # no coupon
    assert (sub["past_due_since"], sub["next_payment_attempt_at"],
            sub["failed_payment_attempts"]) == (None, None, 0)
    assert (sub["currency"], sub["billing_details"]) == ("USD", None)


def test_sites_are_not_for_single_user_or_unknown_products(shop: Shop,
                                                          client: TestClient) -> None:
    owner, _ = shop.account()
    r = client.post("/v1/sites", json={"name": "x", "product": "google-drive"}, headers=owner)
    assert r.status_code == 422
    r = client.post("/v1/sites", json={"name": "x", "product": "nope"}, headers=owner)
    assert r.status_code == 404 and code(r) == "UNKNOWN_PRODUCT"


def test_a_stranger_sees_nothing_of_a_site(shop: Shop, client: TestClient) -> None:
    owner, _ = shop.account()
    stranger, _ = shop.account()
    site = shop.site(owner)
    for method, path in [("get", f"/v1/sites/{site['id']}"),
                         ("get", f"/v1/subscriptions/{site['subscription']['id']}"),
                         ("post", f"/v1/sites/{site['id']}/projects")]:
        r = client.request(method, path, headers=stranger, json={"name": "p"})
        assert r.status_code == 404, (path, r.text)
    assert shop.client.get(f"/v1/sites/{site['id']}").status_code == 401


def test_members_roles_and_billing_admin(shop: Shop, client: TestClient) -> None:
    owner, _ = shop.account()
    staff, staff_acc = shop.account("staff@example.test")
    member, member_acc = shop.account("member@example.test")
    site = shop.site(owner)
    sid = site["id"]
    r = client.post(f"/v1/sites/{sid}/members", json={"email": "ghost@example.test",
                                                      "role": "staff"}, headers=owner)
    assert r.status_code == 404 and code(r) == "ACCOUNT_NOT_FOUND"
    r = client.post(f"/v1/sites/{sid}/members", json={"email": "staff@example.test",
                                                      "role": "staff"}, headers=owner)
    assert r.status_code == 201 and r.json()["role"] == "staff"
    r = client.post(f"/v1/sites/{sid}/members", json={"email": "member@example.test",
                                                      "role": "member"}, headers=owner)
    assert r.status_code == 201
    # members read the site; only the owner manages people
    assert client.get(f"/v1/sites/{sid}", headers=member).status_code == 200
    r = client.post(f"/v1/sites/{sid}/members", json={"email": "staff@example.test",
                                                      "role": "member"}, headers=staff)
    assert r.status_code == 403 and code(r) == "NOT_SITE_OWNER"
    r = client.put(f"/v1/sites/{sid}/billing-admin", json={"account_id": member_acc["id"]},
                   headers=owner)
    assert r.status_code == 409 and code(r) == "NOT_STAFF"
    r = client.put(f"/v1/sites/{sid}/billing-admin", json={"account_id": staff_acc["id"]},
                   headers=staff)
    assert r.status_code == 403 and code(r) == "NOT_SITE_OWNER"
    r = client.put(f"/v1/sites/{sid}/billing-admin", json={"account_id": staff_acc["id"]},
                   headers=owner)
    assert r.status_code == 200 and r.json()["billing_admin_id"] == staff_acc["id"]
    # the billing admin subscribes and reads invoices; a plain member may not
    r = client.post("/v1/subscriptions", headers=member, json={
        "plan": "small", "interval": "month", "card_token": "tok_visa", "site_id": sid})
    assert r.status_code == 403 and code(r) == "NOT_BILLING_ADMIN"
    sub = shop.subscribe(staff, sid)
    assert len(shop.invoices(staff, sub["id"])) == 1
    r = client.get(f"/v1/subscriptions/{sub['id']}/invoices", headers=member)
    assert r.status_code == 403 and code(r) == "NOT_BILLING_ADMIN"
    for path, body in [(f"/v1/subscriptions/{sub['id']}/change", {"plan": "large"}),
                       (f"/v1/subscriptions/{sub['id']}/change/preview", {"plan": "large"}),
                       (f"/v1/subscriptions/{sub['id']}/cancel", {})]:
        r = client.post(path, json=body, headers=member)
        assert r.status_code == 403 and code(r) == "NOT_BILLING_ADMIN", path
    # demoting the billing admin to member clears the billing admin
    r = client.post(f"/v1/sites/{sid}/members", json={"email": "staff@example.test",
                                                      "role": "member"}, headers=owner)
    assert r.status_code == 200
    assert client.get(f"/v1/sites/{sid}", headers=owner).json()["billing_admin_id"] is None
    r = client.put(f"/v1/sites/{sid}/billing-admin", json={"account_id": None}, headers=owner)
    assert r.status_code == 200


def test_plan_limit_counts_active_projects_only(shop: Shop, client: TestClient) -> None:
    owner, _ = shop.account()
    sid = shop.site(owner)["id"]
    ids = shop.projects(owner, sid, 3)
    shop.subscribe(owner, sid, plan="small")  # 3 projects
    r = client.post(f"/v1/sites/{sid}/projects", json={"name": "four"}, headers=owner)
    assert r.status_code == 409 and code(r) == "PLAN_LIMIT_REACHED"
    r = client.post(f"/v1/sites/{sid}/projects/{ids[0]}/archive", headers=owner)
    assert r.status_code == 200 and r.json()["status"] == "archived"
    assert client.post(f"/v1/sites/{sid}/projects", json={"name": "four"},
                       headers=owner).status_code == 201
    r = client.post(f"/v1/sites/{sid}/projects/{ids[0]}/unarchive", headers=owner)
    assert r.status_code == 409 and code(r) == "PLAN_LIMIT_REACHED"
    r = client.post(f"/v1/sites/{sid}/projects/nope/archive", headers=owner)
    assert r.status_code == 404 and code(r) == "PROJECT_NOT_FOUND"
    site = client.get(f"/v1/sites/{sid}", headers=owner).json()
    assert (site["active_projects"], site["project_limit"]) == (3, 3)


def test_trial_allows_the_largest_plan(shop: Shop, client: TestClient) -> None:
    owner, _ = shop.account()
    sid = shop.site(owner)["id"]
    assert client.get(f"/v1/sites/{sid}", headers=owner).json()["project_limit"] == 100
    shop.projects(owner, sid, 11)
    r = client.post("/v1/subscriptions", headers=owner, json={
        "plan": "starter", "interval": "month", "card_token": "tok_visa", "site_id": sid})
    assert r.status_code == 409 and code(r) == "PLAN_TOO_SMALL"
    assert r.json()["error"]["details"] == {"plan": "starter", "limit": 10,
                                            "active_projects": 11}


def test_the_owner_is_not_added_as_a_member(shop: Shop, client: TestClient) -> None:
    owner, acc = shop.account()
    sid = shop.site(owner)["id"]
    r = client.post(f"/v1/sites/{sid}/members", json={"email": acc["email"], "role": "staff"},
                    headers=owner)
    assert r.status_code == 422 and r.json()["error"]["details"] == {"field": "email"}
    r = client.post(f"/v1/sites/{sid}/members", json={"email": acc["email"], "role": "boss"},
                    headers=owner)
    assert r.status_code == 422 and code(r) == "INVALID_REQUEST"
