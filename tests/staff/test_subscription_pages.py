"""The console's subscriptions: found by site, owner or Google ID; a page with invoices, plan
changes and credit; the dashboard's active subscriptions and monthly recurring revenue."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from licensor.core.formats import money
from tests.conftest import ADMIN
from tests.staff.helpers import log_in
from tests.subscriptions.conftest import START, Shop

DAY = 86400


def test_search_and_a_subscription_with_its_invoices_changes_and_credit(
        client: TestClient) -> None:
    shop = Shop(client, ADMIN)
    shop.set_clock(START)
    owner, _account = shop.account("zed@zebra.test")
    site = shop.site(owner, "Zebra Labs")
    sub = shop.subscribe(owner, site["id"], plan="large")  # 99.00 a month
    shop.advance(15 * DAY)
    r = client.post(f"/v1/subscriptions/{sub['id']}/change", json={"plan": "small"},
                    headers=owner)
    assert r.status_code == 200, r.text
    after = client.get(f"/v1/subscriptions/{sub['id']}", headers=owner).json()
    assert after["credit_balance"]["amount"] > 0
    log_in(client, "support")
    for q in ("zebra", "ZED@zebra.test", site["id"]):
        page = client.get("/admin/subscriptions", params={"q": q}).text
        assert f'href="/admin/subscriptions/{sub["id"]}"' in page, q
    assert "0 subscriptions found" in client.get("/admin/subscriptions?q=nobody").text
    page = client.get(f"/admin/subscriptions/{sub['id']}").text
    credit = re.search(r'<dd id="credit">(.*?)</dd>', page)
    assert credit and credit.group(1) == money(after["credit_balance"])
    invoices = page[page.index('<table class="invoices">'):].split("</table>")[0]
    assert invoices.count("<tr><td>") == 2  # the first invoice and the plan change's
    assert "plan change" in page and "No plan changes" not in page
    board = client.get("/admin").text
    assert re.search(r'id="active-subscriptions"><strong>1</strong>', board)
    assert re.search(r'id="mrr"><strong>\$12\.00</strong>', board)


def test_an_unknown_subscription_is_a_404_page(client: TestClient) -> None:
    log_in(client, "support")
    r = client.get("/admin/subscriptions/nope")
    assert r.status_code == 404 and "SUBSCRIPTION_NOT_FOUND" in r.text
