"""The console's third round: /admin/orders?q= finds an order by number (any case), buyer
email or company; an unpaid order offers Cancel order (not Refund); the license search is a
POST, so a pasted key never lands in a URL; the audit view names people by email."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import ADMIN
from tests.orders.helpers import buy, order, quote
from tests.portal.helpers import post
from tests.staff.helpers import console_post, issue, log_in


def numbers(page: str) -> list[str]:
    return re.findall(r'<a href="/admin/orders/[^"]+">(LIC-\d+)</a>', page)


def test_orders_are_found_by_number_email_or_company(client: TestClient) -> None:
    log_in(client, "support")
    acme = buy(client, kind="new", product="desktop", seats=2)
    other = order(client, quote(client, kind="new", product="desktop", seats=4)["id"],
                  method="invoice", buyer={"name": "Bo", "email": "bo@globex.test",
                                           "company": "Globex Corporation"})
    for q in (acme["number"].lower(), acme["number"]):
        assert numbers(client.get("/admin/orders", params={"q": q}).text) == [acme["number"]]
    assert numbers(client.get("/admin/orders", params={"q": "BO@GLOBEX.test"}).text) == \
        [other["number"]]
    assert numbers(client.get("/admin/orders", params={"q": "globex corp"}).text) == \
        [other["number"]]
    assert numbers(client.get("/admin/orders", params={"q": "acme inc"}).text) == \
        [acme["number"]]
    both = client.get("/admin/orders", params={"q": "LIC-"}).text
    assert set(numbers(both)) == {acme["number"], other["number"]}
    none = client.get("/admin/orders", params={"q": "100%_"})
    assert none.status_code == 200 and numbers(none.text) == [] and "match" in none.text
    filtered = client.get("/admin/orders", params={"q": "LIC-", "status": "fulfilled"}).text
    assert numbers(filtered) == [acme["number"]]
    assert 'for="q">Search</label>' in client.get("/admin/orders").text


def test_an_unpaid_order_is_canceled_not_refunded(client: TestClient) -> None:
    log_in(client)
    o = order(client, quote(client, kind="new", product="desktop", seats=4)["id"],
              method="invoice")
    path = f"/admin/orders/{o['id']}"
    page = client.get(path).text
    assert ">Cancel order</button>" in page and ">Refund</button>" not in page
    r = console_post(client, path + "/cancel", {"confirmed": "yes"}, path)
    assert (r.status_code, r.headers["location"]) == (303, path + "?done=canceled")
    assert client.get(f"/v1/orders/{o['id']}", headers=ADMIN).json()["status"] == "canceled"
    assert "The unpaid order is canceled" in client.get(path + "?done=canceled").text
    paid = buy(client, kind="new", product="desktop", seats=2)
    paid_path = f"/admin/orders/{paid['id']}"
    page = client.get(paid_path).text
    assert ">Refund</button>" in page and ">Cancel order</button>" not in page
    refused = console_post(client, paid_path + "/cancel", {}, paid_path)
    assert refused.status_code == 409 and "a paid one is refunded" in refused.text
    assert client.get(f"/v1/orders/{paid['id']}", headers=ADMIN).json()["status"] == \
        "fulfilled"


def test_support_may_not_cancel(client: TestClient) -> None:
    log_in(client, "support")
    o = order(client, quote(client, kind="new", product="desktop", seats=4)["id"],
              method="invoice")
    path = f"/admin/orders/{o['id']}"
    assert ">Cancel order</button>" not in client.get(path).text
    assert console_post(client, path + "/cancel", {}, path).status_code == 403


def test_the_license_search_is_a_post_and_a_key_never_in_a_url(client: TestClient) -> None:
    log_in(client, "support")
    lic = issue(client, license_name="Globex Research Lab")
    form = client.get("/admin/licenses").text
    assert '<form method="post" action="/admin/licenses" role="search">' in form
    in_url = client.get("/admin/licenses", params={"q": lic["license_key"]}).text
    assert lic["id"] not in in_url  # a key in a URL is not searched
    found = post(client, "/admin/licenses", {"q": lic["license_key"]})
    assert found.status_code == 200 and f"/admin/licenses/{lic['id']}" in found.text


def test_the_audit_view_names_people_by_email(client: TestClient) -> None:
    log_in(client, "support")
    made = client.post("/v1/accounts", json={"email": "ana@acme.test", "name": "Ana",
                                             "password": "pw"}).json()
    account_id = made["id"]
    page = client.get("/admin/audit", params={"entity_type": "account"}).text
    assert "account ana@acme.test" in page and f"account:{account_id}" not in page
    assert account_id not in page
