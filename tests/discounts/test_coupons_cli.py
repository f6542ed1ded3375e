"""`licensor coupons add|list|disable|enable` on the same database as the API."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.conftest import ADMIN


def test_add_list_disable(cli, client: TestClient) -> None:
    coupon = json.loads(cli("coupons", "add", "Spring20", "--percent-off", "12.5",
                            "--name", "Spring sale", "--product", "desktop",
                            "--product", "jira-server", "--kind", "new",
                            "--duration", "repeating", "--months", "3",
                            "--max-redemptions", "100", "--redeem-by", "2099-06-30",
                            "--once-per-customer"))
    assert coupon["percent_off"] == 12.5 and coupon["name"] == "Spring sale"
    assert coupon["applies_to"] == {"products": ["desktop", "jira-server"], "kinds": ["new"]}
    assert (coupon["duration"], coupon["duration_in_months"]) == ("repeating", 3)
    assert coupon["redeem_by"] == "2099-06-30T23:59:59Z"  # usable through that day
    assert coupon["once_per_customer"] is True and coupon["max_redemptions"] == 100
    ten = json.loads(cli("coupons", "add", "TENOFF", "--amount-off", "10.00",
                         "--currency", "usd", "--minimum", "300.00"))
    assert ten["amount_off"] == {"amount": 1000, "currency": "USD"}
    assert ten["minimum_amount"] == {"amount": 30000, "currency": "USD"}
    assert client.get("/v1/coupons/spring20", headers=ADMIN).json()["id"] == coupon["id"]

    table = cli("coupons", "list")
    for text in ("Spring20", "12.5% off", "desktop", "0 / 100", "TENOFF", "$10.00 off",
                 "$300.00", "0 / unlimited", "never", "June 30,"):
        assert text in table, text
    assert [c["code"] for c in json.loads(cli("coupons", "list", "--json"))] == [
        "TENOFF", "Spring20"]

    assert "disabled" in cli("coupons", "disable", "spring20")
    assert client.get("/v1/coupons/SPRING20", headers=ADMIN).json()["active"] is False
    assert "│ no " in cli("coupons", "list") and "│ yes " in cli("coupons", "list")
    cli("coupons", "enable", "SPRING20")
    assert client.get("/v1/coupons/SPRING20", headers=ADMIN).json()["active"] is True


def test_refusals_print_the_coded_message_and_exit_2(cli, client: TestClient) -> None:
    cli("coupons", "add", "TAKEN", "--percent-off", "5")
    for args, code, words in (
            (("TAKEN", "--amount-off", "1.00"), "COUPON_EXISTS", "exists already"),
            (("NEW1", "--percent-off", "101"), "INVALID_REQUEST", "percent_off"),
            (("NEW1", "--percent-off", "12.345"), "INVALID_REQUEST", "two decimals"),
            (("NEW1", "--percent-off", "many"), "INVALID_REQUEST", "percent_off"),
            (("NEW1",), "INVALID_REQUEST", "exactly one"),
            (("NEW1", "--amount-off", "10.001"), "INVALID_REQUEST", "at most 2 decimals"),
            (("NEW1", "--amount-off", "10", "--currency", "ZZZ"), "INVALID_REQUEST",
             "currency"),
            (("NEW1", "--percent-off", "5", "--duration", "repeating"), "INVALID_REQUEST",
             "duration_in_months"),
            (("NEW1", "--percent-off", "5", "--product", "nope"), "INVALID_REQUEST", "nope"),
            (("NEW1", "--percent-off", "5", "--kind", "gift"), "INVALID_REQUEST", "kinds"),
            (("NEW1", "--percent-off", "5", "--redeem-by", "31/12/2099"), "INVALID_REQUEST",
             "redeem_by"),
            (("NEW1", "--percent-off", "5", "--redeem-by", "2001-01-01"), "INVALID_REQUEST",
             "redeem_by")):
        out = cli("coupons", "add", *args, code=2)
        assert code in out and words in out, (args, out)
    assert "UNKNOWN_COUPON" in cli("coupons", "disable", "NOSUCH", code=2)
    assert "UNKNOWN_COUPON" in cli("coupons", "enable", "NOSUCH", code=2)
    assert [c["code"] for c in client.get("/v1/coupons", headers=ADMIN).json()["data"]] == [
        "TAKEN"]
