"""The console's catalog: a product's JSON edited, validation errors shown next to it, a preview
of list and upgrade prices before and after (and the open quotes left at old prices), Save."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from licensor.catalog.service import default_catalog
from tests.conftest import ADMIN
from tests.orders.helpers import quote
from tests.portal.helpers import field_error
from tests.staff.helpers import console_post, log_in


def _desktop(first_band_cents: int) -> str:
    doc = next(p for p in default_catalog() if p["code"] == "desktop")
    doc["pricing"]["bands"][0]["unit_price"]["amount"] = first_band_cents
    return json.dumps(doc)


def _row(html: str, table: str, what: str) -> tuple[str, str]:
    body = html[html.index(f'id="{table}"'):]
    found = re.search(rf'<th scope="row">{re.escape(what)}</th><td class="num">(.*?)</td>'
                      r'<td class="num">(.*?)</td>', body)
    assert found, what
    return found.group(1), found.group(2)


def test_preview_shows_list_and_upgrade_prices_before_and_after_then_save(
        client: TestClient) -> None:
    member = log_in(client)
    quote(client, kind="new", product="desktop", seats=2)  # open, at $178.00
    page = client.get("/admin/catalog/desktop").text
    assert 'for="document">Product JSON<' in page and ">Preview</button>" in page
    shown = console_post(client, "/admin/catalog/desktop/preview",
                         {"document": _desktop(9900)}, "/admin/catalog/desktop")
    assert shown.status_code == 200
    html = shown.text
    assert _row(html, "list-prices", "1 user") == ("$89.00", "$99.00")
    assert _row(html, "list-prices", "5 users") == ("$429.00", "$429.00")  # band 2 unchanged
    assert _row(html, "upgrade-prices", "1 user → 2 users") == ("$89.00", "$99.00")
    assert _row(html, "upgrade-prices", "4 users → 5 users") == ("$73.00", "$33.00")
    assert "1 open quote stays at the old prices" in html
    # nothing is saved by a preview
    assert client.get("/v1/products/desktop").json()["pricing"]["bands"][0]["unit_price"][
        "amount"] == 8900
    saved = console_post(client, "/admin/catalog/desktop", {"document": _desktop(9900)},
                         "/admin/catalog/desktop")
    assert saved.status_code == 303
    assert client.get("/v1/products/desktop").json()["pricing"]["bands"][0]["unit_price"][
        "amount"] == 9900
    audit = client.get("/admin/audit?entity_type=product&entity_id=desktop").text
    assert f"staff:{member['email']}" in audit and "product.put" in audit


def test_validation_errors_are_shown_next_to_the_json(client: TestClient) -> None:
    log_in(client)
    bad = console_post(client, "/admin/catalog/desktop/preview", {"document": "{not json"},
                       "/admin/catalog/desktop")
    assert bad.status_code == 422 and "not valid JSON" in (field_error(bad.text, "document")
                                                          or "")
    doc = json.loads(_desktop(8900))
    doc["pricing"]["bands"][0]["min_seats"] = -1
    invalid = console_post(client, "/admin/catalog/desktop/preview",
                           {"document": json.dumps(doc)}, "/admin/catalog/desktop")
    assert invalid.status_code == 422
    assert "min_seats" in (field_error(invalid.text, "document") or "")
    assert ">Save</button>" not in invalid.text


def test_support_sees_the_catalog_but_cannot_edit(client: TestClient) -> None:
    log_in(client, "support")
    assert "Mockups 3 for Desktop" in client.get("/admin/catalog").text
    page = client.get("/admin/catalog/desktop").text
    assert ">Preview</button>" not in page
    r = console_post(client, "/admin/catalog/desktop", {"document": _desktop(1)},
                     "/admin/catalog/desktop")
    assert r.status_code == 403 and "FORBIDDEN" in r.text
    assert client.get("/v1/products/desktop", headers=ADMIN).json()["pricing"]["bands"][0][
        "unit_price"]["amount"] == 8900


def test_a_nul_character_in_the_product_json_is_refused(client: TestClient) -> None:
    # The form field holds no NUL, the JSON in it does (an escape): the catalog's check finds it.
    log_in(client)
    doc = json.loads(_desktop(8900))
    doc["name"] = "Desk\x00top"
    saved = console_post(client, "/admin/catalog/desktop", {"document": json.dumps(doc)},
                         "/admin/catalog/desktop")
    assert saved.status_code == 422, saved.text
    assert "NUL" in (field_error(saved.text, "document") or "")
    assert "\x00" not in client.get("/v1/products/desktop").json()["name"]
