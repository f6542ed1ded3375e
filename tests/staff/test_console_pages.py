"""The console's license and order pages: search in every way, lineage, revoke, mark paid,
refund with the refund window, and what support may not do."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import ADMIN
from tests.orders.helpers import buy, order, quote
from tests.portal.helpers import field_error, post
from tests.staff.helpers import console_post, issue, log_in


def _clock(client: TestClient, now: str) -> None:
    r = client.put("/v1/sandbox/clock", json={"now": now}, headers=ADMIN)
    assert r.status_code == 200, r.text


def _found(html: str) -> list[str]:
    return re.findall(r'href="/admin/licenses/([^"]+)"', html)


def find(client: TestClient, q: str) -> str:
    """The console's license search: a POST, so the query never lands in a URL."""
    r = post(client, "/admin/licenses", {"q": q})
    assert r.status_code == 200, r.text
    return str(r.text)


def test_search_by_name_pasted_key_email_sen_and_order_number(client: TestClient) -> None:
    log_in(client, "support")
    lic = issue(client, license_name="Globex Research Lab")
    other = issue(client, license_name="Initech")
    key = lic["license_key"]
    broken = "License Name: Globex Research Lab\nLicense Key:\n> " + key[:30].lower() \
        + "\n>   " + key[30:].replace("-", " ")
    for q in ("globex research", broken, lic["email"].upper(), lic["id"]):
        found = _found(find(client, q))
        assert found == [lic["id"]], q
    bought = buy(client, kind="new", product="desktop", seats=2)
    page = find(client, bought["number"])
    assert _found(page) == [bought["licenses"][0]["id"]]
    assert other["id"] not in _found(find(client, "nomatch"))


def test_license_page_shows_lineage_orders_and_audit(client: TestClient) -> None:
    log_in(client)
    first = buy(client, kind="new", product="desktop", seats=1)["licenses"][0]
    upgraded = buy(client, kind="upgrade", seats=5, license_name=first["license_name"],
                   license_key=first["license_key"])
    new = upgraded["licenses"][0]
    old_page = client.get(f"/admin/licenses/{first['id']}").text
    assert f'Superseded by <a href="/admin/licenses/{new["id"]}"' in old_page
    new_page = client.get(f"/admin/licenses/{new['id']}").text
    assert f'Superseded <a href="/admin/licenses/{first["id"]}"' in new_page
    assert upgraded["number"] in new_page
    assert "license.issued" in new_page or "order.fulfilled" in new_page


def test_admin_revokes_with_a_reason_named_in_the_audit_log(client: TestClient) -> None:
    member = log_in(client)
    lic = issue(client)
    path = f"/admin/licenses/{lic['id']}"
    empty = console_post(client, path + "/revoke", {"reason": "  "}, path)
    assert empty.status_code == 422 and "reason" in (field_error(empty.text, "reason") or "")
    done = console_post(client, path + "/revoke", {"confirmed": "yes", "reason": "chargeback"}, path)
    assert done.status_code == 303
    assert client.get(f"/v1/licenses/{lic['id']}", headers=ADMIN).json()["status"] == "revoked"
    page = client.get(path).text
    assert "chargeback" in page and f"staff:{member['email']}" in page
    again = console_post(client, path + "/revoke", {"confirmed": "yes", "reason": "again"}, path + "?x=1")
    assert again.status_code == 409


def test_orders_list_awaiting_payment_first_with_overdue_marked(client: TestClient) -> None:
    log_in(client, "support")
    _clock(client, "2026-03-01T09:00:00Z")
    paid = buy(client, kind="new", product="desktop", seats=1)
    invoice = order(client, quote(client, kind="new", product="desktop", seats=4)["id"],
                    method="invoice")
    _clock(client, "2026-04-15T09:00:00Z")  # past its 30 days
    page = client.get("/admin/orders").text
    assert page.index(invoice["number"]) < page.index(paid["number"])
    assert re.search(invoice["number"] + r".*?overdue", page, re.DOTALL)
    only = client.get("/admin/orders", params={"status": "fulfilled"}).text
    assert paid["number"] in only and invoice["number"] not in only
    bad = client.get("/admin/orders", params={"status": "lost"})
    assert bad.status_code == 422 and "INVALID_REQUEST" in bad.text


def test_support_sees_no_mark_paid_or_refund_and_is_refused(client: TestClient) -> None:
    log_in(client, "support")
    o = order(client, quote(client, kind="new", product="desktop", seats=4)["id"],
              method="invoice")
    page = client.get(f"/admin/orders/{o['id']}").text
    assert ">Mark paid</button>" not in page and ">Refund</button>" not in page
    r = console_post(client, f"/admin/orders/{o['id']}/mark-paid", {"confirmed": "yes"},
                     f"/admin/orders/{o['id']}")
    assert r.status_code == 403 and "FORBIDDEN" in r.text
    assert client.get(f"/v1/orders/{o['id']}", headers=ADMIN).json()["status"] == \
        "awaiting_payment"


def test_admin_marks_an_invoice_paid_and_the_license_is_issued(client: TestClient) -> None:
    member = log_in(client)
    o = order(client, quote(client, kind="new", product="desktop", seats=4)["id"],
              method="invoice")
    path = f"/admin/orders/{o['id']}"
    assert ">Mark paid</button>" in client.get(path).text
    r = console_post(client, path + "/mark-paid", {"confirmed": "yes"}, path)
    assert r.status_code == 303
    after = client.get(f"/v1/orders/{o['id']}", headers=ADMIN).json()
    assert after["status"] == "fulfilled" and after["licenses"]
    audit = client.get(f"/admin/audit?entity_id={o['id']}").text
    assert f"staff:{member['email']}" in audit


def test_refund_inside_the_window_then_forced_with_a_reason(client: TestClient) -> None:
    log_in(client)
    _clock(client, "2026-03-01T09:00:00Z")
    inside = buy(client, kind="new", product="desktop", seats=1)
    late = buy(client, kind="new", product="desktop", seats=1)
    path = f"/admin/orders/{inside['id']}"
    assert "Refundable until April 30, 2026 (60 days after payment)" in client.get(path).text
    assert console_post(client, path + "/refund", {"confirmed": "yes"}, path).status_code == 303
    assert client.get(f"/v1/orders/{inside['id']}", headers=ADMIN).json()["status"] == "refunded"
    _clock(client, "2026-06-01T09:00:00Z")
    path = f"/admin/orders/{late['id']}"
    page = client.get(path).text
    assert "the refund window ended April 30, 2026" in page
    no_reason = console_post(client, path + "/refund", {"force": "yes"}, path)
    assert no_reason.status_code == 422 and field_error(no_reason.text, "reason")
    unforced = console_post(client, path + "/refund", {"confirmed": "yes"}, path)
    assert unforced.status_code == 409
    assert "more than 60 days ago" in (field_error(unforced.text, "reason") or "")
    forced = console_post(client, path + "/refund", {"confirmed": "yes", "force": "yes",
                                                     "reason": "goodwill"}, path)
    assert forced.status_code == 303
    assert "goodwill" in client.get(f"/admin/audit?entity_id={late['id']}").text


def test_license_page_says_an_academic_license_and_its_institution(client: TestClient) -> None:
    log_in(client)
    academic = buy(client, kind="new", product="confluence-server", seats=25, academic=True,
                   institution="University of Bologna")["licenses"][0]
    page = client.get(f"/admin/licenses/{academic['id']}").text
    assert "<dt>Pricing</dt><dd>academic — University of Bologna</dd>" in page
    commercial = buy(client, kind="new", product="confluence-server", seats=25)["licenses"][0]
    assert "<dt>Pricing</dt>" not in client.get(f"/admin/licenses/{commercial['id']}").text
