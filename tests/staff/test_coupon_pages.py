"""The console's coupons (/admin/coupons): the list, the New coupon form with its refusals next
to the field, Disable / Enable; support reads only; CSRF as every console form."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import ADMIN
from tests.portal.helpers import field_error
from tests.staff.helpers import console_post, log_in

PAGE = "/admin/coupons"
FULL = {"code": "Spring20", "name": "Spring sale", "percent_off": "20", "amount_off": "",
        "currency": "USD", "products": ["desktop", "jira-server"], "kinds": ["new"],
        "duration": "repeating", "duration_in_months": "3", "max_redemptions": "10",
        "redeem_by": "2099-06-30", "once_per_customer": "on", "minimum_amount": "300.00"}


def create(client: TestClient, **fields: Any) -> Any:
    return console_post(client, PAGE, {**FULL, **fields}, PAGE)


def test_the_form_has_every_labelled_field_and_the_nav_links_to_it(client: TestClient) -> None:
    log_in(client)
    html = client.get(PAGE).text
    assert '<a href="/admin/coupons">Coupons</a>' in html and "No coupons yet." in html
    for name, label in (("code", "Code"), ("name", "Name"), ("percent_off", "Percent off"),
                        ("amount_off", "Amount off"), ("currency", "Currency"),
                        ("products", "Products"), ("kinds", "Kinds"),
                        ("duration", "Duration"), ("duration_in_months", "Months"),
                        ("max_redemptions", "Max redemptions"), ("redeem_by", "Redeem by"),
                        ("once_per_customer", "Once per customer"),
                        ("minimum_amount", "Minimum amount")):
        assert f'<label for="{name}">{label}</label>' in html, name
        assert f'id="{name}" name="{name}"' in html, name
    assert ">Create coupon</button>" in html


def test_an_administrator_creates_a_coupon_with_every_term(client: TestClient) -> None:
    member = log_in(client)
    r = create(client)
    assert r.status_code == 303 and r.headers["location"].startswith(PAGE)
    coupon = client.get("/v1/coupons/SPRING20", headers=ADMIN).json()
    assert coupon["percent_off"] == 20.0 and coupon["name"] == "Spring sale"
    assert coupon["applies_to"] == {"products": ["desktop", "jira-server"], "kinds": ["new"]}
    assert (coupon["duration"], coupon["duration_in_months"]) == ("repeating", 3)
    assert coupon["max_redemptions"] == 10 and coupon["once_per_customer"] is True
    assert coupon["redeem_by"] == "2099-06-30T23:59:59Z"
    assert coupon["minimum_amount"] == {"amount": 30000, "currency": "USD"}
    html = client.get(r.headers["location"]).text
    assert "Coupon Spring20 created" in html
    row = html[html.index('data-code="Spring20"'):]
    row = row[:row.index("</tr>")]
    for text in ("20% off, 3 months", "desktop, jira-server", "new purchases",
                 "from $300.00", "once per customer", "0 / 10", "June 30, 2099", "Yes",
                 ">Disable</button>"):
        assert text in row, text
    audit = client.get(f"/admin/audit?entity_type=coupon&entity_id={coupon['id']}").text
    assert f"staff:{member['email']}" in audit and "coupon.created" in audit


def test_an_amount_off_in_euros_with_a_thousands_separator(client: TestClient) -> None:
    log_in(client)
    r = create(client, code="TENEUR", percent_off="", amount_off="1,000.00", currency="EUR",
               duration="once", duration_in_months="3", minimum_amount="", products=[],
               kinds=[], max_redemptions="", redeem_by="", once_per_customer="")
    assert r.status_code == 303, r.text
    coupon = client.get("/v1/coupons/teneur", headers=ADMIN).json()
    assert coupon["amount_off"] == {"amount": 100000, "currency": "EUR"}
    # Months typed but another duration chosen: not a repeating coupon.
    assert coupon["duration"] == "once" and coupon["duration_in_months"] is None
    assert coupon["applies_to"] == {"products": [], "kinds": []}
    assert coupon["max_redemptions"] is None and coupon["redeem_by"] is None
    assert coupon["once_per_customer"] is False and coupon["minimum_amount"] is None


REFUSED = [
    ({"percent_off": "101"}, "percent_off", "from 1 to 100"),
    ({"percent_off": "12.345"}, "percent_off", "two decimals"),
    ({"percent_off": "lots"}, "percent_off", "a percentage"),
    ({"percent_off": "", "amount_off": ""}, "percent_off", "exactly one"),
    ({"amount_off": "10.00"}, "percent_off", "exactly one"),
    ({"percent_off": "", "amount_off": "10.001"}, "amount_off", "at most 2 decimals"),
    ({"percent_off": "", "amount_off": "10,00"}, "amount_off", "an amount such as 10.00"),
    ({"percent_off": "", "amount_off": "1e5"}, "amount_off", "an amount such as 10.00"),
    ({"percent_off": "", "amount_off": "10", "currency": "XYZ"}, "currency", "ISO 4217"),
    ({"duration_in_months": ""}, "duration_in_months", "repeating"),
    ({"duration_in_months": "many"}, "duration_in_months", "whole number"),
    ({"max_redemptions": "0"}, "max_redemptions", "at least 1"),
    ({"redeem_by": "30/06/2099"}, "redeem_by", "2027-06-30"),
    ({"redeem_by": "2001-01-01"}, "redeem_by", "still to come"),
    ({"products": ["desktop", "photoshop"]}, "products", "photoshop"),
    ({"kinds": ["gift"]}, "kinds", "kinds must be among"),
    ({"code": "A"}, "code", "2 to 40"),
    ({"minimum_amount": "-1"}, "minimum_amount", "from 0"),
]


def test_refusals_are_shown_next_to_their_field(client: TestClient) -> None:
    log_in(client)
    for fields, field, words in REFUSED:
        r = create(client, **fields)
        assert r.status_code == 422, (fields, r.status_code)
        shown = field_error(r.text, field)
        assert shown and words in shown, (fields, shown)
        assert 'value="Spring sale"' in r.text  # what was typed is kept
    assert client.get("/v1/coupons", headers=ADMIN).json()["data"] == []


def test_a_code_in_use_in_any_case_is_refused_next_to_the_code(client: TestClient) -> None:
    log_in(client)
    assert create(client, percent_off="20%").status_code == 303  # the sign is allowed
    assert client.get("/v1/coupons/spring20", headers=ADMIN).json()["percent_off"] == 20.0
    r = create(client, code="SPRING20")
    assert r.status_code == 409
    assert "exists already" in (field_error(r.text, "code") or "")
    assert r.text.count('data-code="Spring20"') == 1  # the list beside the form still shows it


def test_disable_then_enable(client: TestClient) -> None:
    log_in(client)
    create(client)
    r = console_post(client, f"{PAGE}/Spring20/disable", {"confirmed": "yes"}, PAGE)
    assert r.status_code == 303
    assert client.get("/v1/coupons/spring20", headers=ADMIN).json()["active"] is False
    html = client.get(r.headers["location"]).text
    assert "Coupon Spring20 disabled" in html and ">Enable</button>" in html
    assert "No (disabled)" in html
    r = console_post(client, f"{PAGE}/spring20/enable", {"confirmed": "yes"}, PAGE)
    assert r.status_code == 303
    assert client.get("/v1/coupons/SPRING20", headers=ADMIN).json()["active"] is True
    missing = console_post(client, f"{PAGE}/NOSUCH/disable", {}, PAGE)
    assert missing.status_code == 404 and "UNKNOWN_COUPON" in missing.text


def test_support_reads_but_cannot_create_or_disable(client: TestClient) -> None:
    created = client.post("/v1/coupons", json={"code": "READONLY", "name": "Read only",
                                                "percent_off": 5},
                          headers=ADMIN)
    assert created.status_code == 201
    log_in(client, "support")
    html = client.get(PAGE).text
    assert 'data-code="READONLY"' in html and "5% off" in html
    assert "Create coupon" not in html and ">Disable</button>" not in html
    for path in (PAGE, f"{PAGE}/READONLY/disable"):
        r = console_post(client, path, FULL, PAGE)
        assert r.status_code == 403 and "FORBIDDEN" in r.text
    assert client.get("/v1/coupons/READONLY", headers=ADMIN).json()["active"] is True
    assert len(client.get("/v1/coupons", headers=ADMIN).json()["data"]) == 1


def test_signed_out_and_forged_forms(client: TestClient) -> None:
    r = client.get(PAGE, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/login")
    log_in(client)
    forged = client.post(PAGE, data={**FULL, "csrf_token": "0" * 64}, follow_redirects=False)
    assert forged.status_code == 403 and "CSRF_TOKEN_INVALID" in forged.text
    assert client.get("/v1/coupons", headers=ADMIN).json()["data"] == []


def test_the_list_pages_past_a_hundred(client: TestClient) -> None:
    for i in range(101):
        r = client.post("/v1/coupons", json={"code": f"BULK{i:03d}", "name": "Bulk",
                                                   "percent_off": 5},
                        headers=ADMIN)
        assert r.status_code == 201
    log_in(client)
    first = client.get(PAGE).text
    assert 'data-code="BULK100"' in first and 'data-code="BULK000"' not in first
    cursor = first.split('href="/admin/coupons?cursor=')[1].split('"')[0]
    older = client.get(f"{PAGE}?cursor={cursor}").text
    assert 'data-code="BULK000"' in older and 'data-code="BULK100"' not in older
    assert "Older coupons" not in older
