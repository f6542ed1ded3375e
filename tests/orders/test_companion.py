"""The companion price of desktop: 45.00 a user for server-license holders and for a site's
owner and staff."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from licensor.core.context import Context
from licensor.licenses import service as licenses
from licensor.orders.models import QuoteRow
from licensor.subscriptions.models import SubscriptionRow
from tests.builders import create_license, license_info
from tests.orders.helpers import buy, error, quote
from tests.subscriptions.conftest import START, Shop


def companion_body(seats: int = 3, **companion: Any) -> dict[str, Any]:
    return {"kind": "new", "product": "desktop", "seats": seats, "companion": companion}


def details(ctx: Context, quote_id: str) -> dict[str, Any]:
    with ctx.db.reader() as session:
        row = session.scalar(select(QuoteRow).where(QuoteRow.id == quote_id))
        assert row is not None
        return dict(row.details or {})


def shop(client: TestClient, admin: dict[str, str]) -> Shop:
    s = Shop(client, admin)
    s.set_clock(START)
    return s


def test_three_users_via_a_server_license_is_135(ctx: Context, client: TestClient) -> None:
    server = create_license(ctx, product="confluence-server", seats=10)
    q = quote(client, **companion_body(**license_info(server)))
    assert q["total"] == {"amount": 13500, "currency": "USD"}  # list price: 267.00
    assert "companion price ($45.00 a user)" in q["lines"][0]["description"]
    used = details(ctx, q["id"])["companion"]
    assert used["via"] == "license" and used["license_id"] == server.id
    assert used["product"] == "confluence-server" and used["applied"] is True
    jira = create_license(ctx, product="jira-server", seats=25, license_name="Beta")
    assert quote(client, **companion_body(5, **license_info(jira)))["total"]["amount"] == 22500


def test_an_order_on_a_companion_quote_is_fulfilled(ctx: Context, client: TestClient) -> None:
    server = create_license(ctx, product="jira-server", seats=10)
    done = buy(client, **companion_body(**license_info(server)))
    assert done["status"] == "fulfilled" and done["total"]["amount"] == 13500
    [lic] = done["licenses"]
    assert lic["product"] == "desktop" and lic["seats"] == 3 and lic["status"] == "active"
    info = {"license_name": lic["license_name"], "license_key": lic["license_key"]}
    assert client.post("/v1/licenses/validate", json=info).json()["code"] == "VALID"
    # the qualifying license is untouched
    with ctx.db.reader() as session:
        assert licenses.get_license(session, server.id).status == "active"


def test_licenses_that_do_not_qualify(ctx: Context, client: TestClient,
                                      admin: dict[str, str]) -> None:
    revoked = create_license(ctx, product="confluence-server", seats=10, license_name="R")
    r = client.post(f"/v1/licenses/{revoked.id}/revoke", json={"reason": "refunded"},
                    headers=admin)
    assert r.status_code == 200, r.text
    body = error(client.post("/v1/quotes", json=companion_body(**license_info(revoked))),
                 409, "COMPANION_NOT_ELIGIBLE")
    assert body["details"]["reason"] == "revoked"
    market = create_license(ctx, product="confluence-server", seats=10, license_name="M",
                            channel="marketplace", sen="SEN-L1234567")
    body = error(client.post("/v1/quotes", json=companion_body(**license_info(market))),
                 409, "COMPANION_NOT_ELIGIBLE")
    assert body["details"]["reason"] == "marketplace" and "marketplace" in body["message"]
    desktop = create_license(ctx, product="desktop", seats=1, license_name="D")
    body = error(client.post("/v1/quotes", json=companion_body(**license_info(desktop))),
                 409, "COMPANION_NOT_ELIGIBLE")
    assert body["details"]["reason"] == "product"
    error(client.post("/v1/quotes", json=companion_body(license_name="D",
                                                        license_key="not-a-key")),
          422, "INVALID_LICENSE")


def test_malformed_companion_requests(ctx: Context, client: TestClient) -> None:
    server = create_license(ctx, product="confluence-server", seats=10)
    body = error(client.post("/v1/quotes", json=companion_body()), 422, "INVALID_REQUEST")
    assert body["details"]["field"] == "companion"
    body = error(client.post("/v1/quotes", json=companion_body(**license_info(server),
                                                               site_id="s")),
                 422, "INVALID_REQUEST")
    assert body["details"]["field"] == "companion"
    body = error(client.post("/v1/quotes", json=companion_body(
        license_name=server.license_name)), 422, "INVALID_REQUEST")
    assert body["details"]["field"] == "companion.license_key"
    error(client.post("/v1/quotes", json={**companion_body(), "companion": "yes"}),
          422, "INVALID_REQUEST")


def test_companion_only_where_there_is_a_policy_and_for_new(ctx: Context,
                                                            client: TestClient) -> None:
    server = create_license(ctx, product="confluence-server", seats=10)
    body = error(client.post("/v1/quotes", json={**companion_body(**license_info(server)),
                                                 "product": "jira-server", "seats": 10}),
                 409, "COMPANION_NOT_ELIGIBLE")
    assert "no companion price" in body["message"]
    desktop = create_license(ctx, product="desktop", seats=1, license_name="D")
    body = error(client.post("/v1/quotes", json={
        "kind": "upgrade", "seats": 3, **license_info(desktop),
        "companion": license_info(server)}), 409, "COMPANION_NOT_ELIGIBLE")
    assert body["details"]["reason"] == "kind"
    body = error(client.post("/v1/quotes", json={
        "kind": "renewal", **license_info(server), "companion": license_info(server)}),
        409, "COMPANION_NOT_ELIGIBLE")
    assert body["details"]["reason"] == "kind"


def test_a_site_owner_and_staff_qualify(ctx: Context, client: TestClient,
                                        admin: dict[str, str]) -> None:
    s = shop(client, admin)
    owner, _ = s.account("owner@example.test")
    staff, staff_account = s.account("staff@example.test")
    site = s.site(owner)
    r = client.post(f"/v1/sites/{site['id']}/members",
                    json={"email": staff_account["email"], "role": "staff"}, headers=owner)
    assert r.status_code == 201, r.text
    q = client.post("/v1/quotes", json=companion_body(site_id=site["id"]), headers=owner)
    assert q.status_code == 201, q.text
    assert q.json()["total"] == {"amount": 13500, "currency": "USD"}
    assert details(ctx, q.json()["id"])["companion"] == {
        "via": "site", "site_id": site["id"], "role": "owner",
        "unit_price": {"amount": 4500, "currency": "USD"}, "applied": True}
    q = client.post("/v1/quotes", json=companion_body(site_id=site["id"]), headers=staff)
    assert q.status_code == 201, q.text
    assert q.json()["total"]["amount"] == 13500
    assert details(ctx, q.json()["id"])["companion"]["role"] == "staff"
    # paid sites too
    s.subscribe(owner, site["id"])
    q = client.post("/v1/quotes", json=companion_body(site_id=site["id"]), headers=owner)
    assert q.status_code == 201 and q.json()["total"]["amount"] == 13500
    # the token is not kept anywhere in the quote
    assert "Bearer" not in str(details(ctx, q.json()["id"]))


def test_who_does_not_qualify_through_a_site(ctx: Context, client: TestClient,
                                             admin: dict[str, str]) -> None:
    s = shop(client, admin)
    owner, _ = s.account("owner@example.test")
    member, member_account = s.account("member@example.test")
    stranger, _ = s.account("stranger@example.test")
    site = s.site(owner)
    r = client.post(f"/v1/sites/{site['id']}/members",
                    json={"email": member_account["email"], "role": "member"}, headers=owner)
    assert r.status_code == 201, r.text
    asked = companion_body(site_id=site["id"])
    body = error(client.post("/v1/quotes", json=asked, headers=member),
                 409, "COMPANION_NOT_ELIGIBLE")
    assert body["details"]["reason"] == "member" and "project members" in body["message"]
    body = error(client.post("/v1/quotes", json=asked, headers=stranger),
                 409, "COMPANION_NOT_ELIGIBLE")
    assert body["details"]["reason"] == "not_on_site"
    error(client.post("/v1/quotes", json=companion_body(site_id="no-such-site"), headers=owner),
          409, "COMPANION_NOT_ELIGIBLE")
    # a token is needed, and a live one
    error(client.post("/v1/quotes", json=asked), 401, "UNAUTHENTICATED")
    error(client.post("/v1/quotes", json=asked, headers={"Authorization": "Bearer nope"}),
          401, "UNAUTHENTICATED")
    # a token in the body is not a sign-in
    token = owner["Authorization"].split()[1]
    error(client.post("/v1/quotes", json=companion_body(site_id=site["id"], bearer=token)),
          401, "UNAUTHENTICATED")
    # a suspended site, then a deleted one
    with ctx.db.transaction() as session:
        sub = session.scalar(select(SubscriptionRow).where(
            SubscriptionRow.site_id == site["id"]))
        assert sub is not None
        sub.status = "suspended"
    body = error(client.post("/v1/quotes", json=asked, headers=owner),
                 409, "COMPANION_NOT_ELIGIBLE")
    assert body["details"]["reason"] == "site_not_live"
    other = s.site(owner, "Second")
    assert client.delete(f"/v1/sites/{other['id']}", headers=owner).status_code == 200
    body = error(client.post("/v1/quotes", json=companion_body(site_id=other["id"]),
                             headers=owner), 409, "COMPANION_NOT_ELIGIBLE")
    assert body["details"]["reason"] == "site_not_live"


def test_a_token_is_ignored_by_quotes_without_a_site(ctx: Context, client: TestClient) -> None:
    """The endpoint stays public: a stale token does not break an ordinary quote."""
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 3},
                    headers={"Authorization": "Bearer stale"})
    assert q.status_code == 201 and q.json()["total"]["amount"] == 26700


def test_the_lower_of_the_companion_and_the_volume_price(ctx: Context, client: TestClient,
                                                         admin: dict[str, str]) -> None:
    product = client.get("/v1/products/desktop").json()
    product["companion"]["unit_price"] = {"amount": 8000, "currency": "USD"}
    assert client.put("/v1/products/desktop", json=product, headers=admin).status_code == 200
    server = create_license(ctx, product="confluence-server", seats=10)
    q = quote(client, **companion_body(4, **license_info(server)))  # 4 × 89.00 = 356.00
    assert q["total"]["amount"] == 32000 and "companion" in q["lines"][0]["description"]
    q = quote(client, **companion_body(50, **license_info(server)))  # 50 × 75.50 = 3,775.00
    assert q["total"]["amount"] == 377500 and "companion" not in q["lines"][0]["description"]
    assert details(ctx, q["id"])["companion"]["applied"] is False
