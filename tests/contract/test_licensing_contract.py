"""The catalog, licenses and registrations contract, black-box over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.contract.helpers import (
    assert_license,
    buy,
    err,
    info,
    is_money,
    is_time,
    new_license,
    outbox,
)

PRODUCT_FIELDS = {"code", "name", "model", "seat_unit", "channels", "pricing",
                  "maintenance_months", "renewal_price_ratio", "plans", "single_user",
                  "trial_days", "marketplace_url"}
DEFAULT_CODES = {"desktop", "confluence-server", "jira-server", "mybalsamiq", "google-drive",
                 "confluence-cloud", "jira-cloud"}


# -- Catalog ---------------------------------------------------------------------------------

def assert_product(p: dict[str, Any]) -> None:
    assert PRODUCT_FIELDS <= set(p), PRODUCT_FIELDS - set(p)
    assert p["model"] in ("perpetual", "subscription", "marketplace")
    assert isinstance(p["channels"], list) and set(p["channels"]) <= {"direct", "marketplace"}
    assert isinstance(p["single_user"], bool) and isinstance(p["trial_days"], int)
    pricing = p["pricing"]
    if pricing is not None:
        assert pricing["kind"] in ("volume", "tiers")
        if pricing["kind"] == "volume":
            for band in pricing["bands"]:
                assert set(band) >= {"min_seats", "unit_price"}
                assert isinstance(band["min_seats"], int) and is_money(band["unit_price"])
        else:
            for tier in pricing["tiers"]:
                assert set(tier) >= {"seats", "price"}
                assert tier["seats"] is None or isinstance(tier["seats"], int)
                assert is_money(tier["price"])
    if p["plans"] is not None:
        for plan in p["plans"]:
            assert set(plan) >= {"code", "name", "limit", "monthly_price", "yearly_price"}
            assert is_money(plan["monthly_price"]) and is_money(plan["yearly_price"])


def test_products_list_and_read(client: TestClient) -> None:
    r = client.get("/v1/products")
    assert r.status_code == 200
    products = {p["code"]: p for p in r.json()["data"]}
    assert DEFAULT_CODES <= set(products)
    for code, p in products.items():
        assert_product(p)
        one = client.get(f"/v1/products/{code}")
        assert one.status_code == 200 and one.json() == p
    desktop = products["desktop"]
    assert desktop["model"] == "perpetual" and desktop["seat_unit"] == "user"
    assert desktop["pricing"]["kind"] == "volume"
    assert desktop["pricing"]["bands"][0] == {"min_seats": 1,
                                              "unit_price": {"amount": 8900, "currency": "USD"}}
    assert desktop["maintenance_months"] is None and desktop["plans"] is None
    server = products["confluence-server"]
    assert server["pricing"]["kind"] == "tiers" and server["maintenance_months"] == 12
    assert server["pricing"]["tiers"][0] == {"seats": 10,
                                             "price": {"amount": 30000, "currency": "USD"},
                                             "academic_price": {"amount": 15000,
                                                                "currency": "USD"}}
    assert server["pricing"]["tiers"][-1]["seats"] is None
    assert set(server["channels"]) == {"direct", "marketplace"}
    plans = {p["code"]: p for p in products["mybalsamiq"]["plans"]}
    assert set(plans) == {"small", "starter", "medium", "large"}
    assert plans["small"]["limit"] == 3 and plans["small"]["monthly_price"]["amount"] == 1200
    assert products["google-drive"]["single_user"] is True
    assert products["confluence-cloud"]["model"] == "marketplace"
    assert products["confluence-cloud"]["marketplace_url"]
    assert err(client.get("/v1/products/nope")) == (404, "UNKNOWN_PRODUCT")


def test_put_product_creates_and_replaces_with_the_read_shape(
        client: TestClient, admin: dict[str, str]) -> None:
    doc = client.get("/v1/products/desktop").json()
    doc = {**doc, "code": "sketch", "name": "Sketch Pad"}
    r = client.put("/v1/products/sketch", json=doc, headers=admin)
    assert r.status_code in (200, 201), r.text
    assert_product(r.json())
    assert client.get("/v1/products/sketch").json()["name"] == "Sketch Pad"
    r = client.put("/v1/products/sketch", json={**doc, "name": "Sketch Pad 2"}, headers=admin)
    assert r.status_code == 200 and r.json()["name"] == "Sketch Pad 2"
    bands = [{"min_seats": 1, "unit_price": {"amount": 10000, "currency": "USD"}},
             {"min_seats": 2, "unit_price": {"amount": 1000, "currency": "USD"}}]
    bad = client.put("/v1/products/sketch", headers=admin,
                     json={**doc, "pricing": {"kind": "volume", "bands": bands}})
    assert err(bad) == (422, "INVALID_CATALOG")
    assert client.get("/v1/products/sketch").json()["name"] == "Sketch Pad 2"


def test_upgrade_prices(client: TestClient) -> None:
    r = client.get("/v1/products/desktop/upgrade-prices")
    assert r.status_code == 200
    rows = r.json()["data"]
    for row in rows:
        assert set(row) >= {"from_seats", "to_seats", "price"} and is_money(row["price"])
    pairs = {(row["from_seats"], row["to_seats"]): row["price"]["amount"] for row in rows}
    for a in range(1, 11):
        for b in range(a + 1, 11):
            assert (a, b) in pairs, (a, b)
    for edge in (4, 5, 9, 10, 24, 25, 49, 50):
        assert (1, edge) in pairs, edge
    assert pairs[(1, 5)] == 34000  # published: 429 - 89
    assert pairs[(4, 5)] == 42900 - 4 * 8900
    tiers = client.get("/v1/products/confluence-server/upgrade-prices").json()["data"]
    tier_pairs = {(t["from_seats"], t["to_seats"]): t["price"]["amount"] for t in tiers}
    assert tier_pairs[(10, 25)] == 30000 and tier_pairs[(10, None)] == 770000
    for code in ("mybalsamiq", "google-drive", "confluence-cloud", "jira-cloud"):
        assert err(client.get(f"/v1/products/{code}/upgrade-prices")) == (409, "NOT_UPGRADABLE")
    assert err(client.get("/v1/products/nope/upgrade-prices")) == (404, "UNKNOWN_PRODUCT")


# -- Licenses --------------------------------------------------------------------------------

def test_create_license_has_every_field(client: TestClient, admin: dict[str, str]) -> None:
    lic = new_license(client, admin, seats=3, purchased_at="2024-03-01T12:00:00Z")
    assert_license(lic)
    assert lic["product"] == "desktop" and lic["seats"] == 3 and lic["license_name"] == "Acme Inc"
    assert lic["email"] == "buyer@acme.test" and lic["channel"] == "direct" and lic["sen"] is None
    assert lic["status"] == "active" and lic["superseded_by"] is None
    assert lic["major_version"] == 3 and lic["maintenance_until"] is None
    assert lic["purchased_at"] == "2024-03-01T12:00:00Z" and lic["registrations"] == []
    offset = new_license(client, admin, purchased_at="2024-03-01T14:00:00+02:00")
    assert offset["purchased_at"] == "2024-03-01T12:00:00Z"  # answered in UTC
    server = new_license(client, admin, product="confluence-server", seats=25,
                         channel="marketplace", sen="SEN-L42")
    assert server["channel"] == "marketplace" and server["sen"] == "SEN-L42"
    assert is_time(server["maintenance_until"])
    got = client.get(f"/v1/licenses/{lic['id']}", headers=admin)
    assert got.status_code == 200 and got.json()["license_key"] == lic["license_key"]
    assert_license(got.json())
    assert err(client.get("/v1/licenses/lic_nope", headers=admin))[0] == 404


def test_search_licenses(client: TestClient, admin: dict[str, str]) -> None:
    a = new_license(client, admin, email="a@one.test", license_name="One Corp")
    new_license(client, admin, email="b@two.test", license_name="Two Corp",
                product="confluence-server", seats=10)
    by_email = client.get("/v1/licenses", params={"email": "a@one.test"}, headers=admin).json()
    assert [x["id"] for x in by_email["data"]] == [a["id"]]
    for item in by_email["data"]:
        assert_license(item)
    by_product = client.get("/v1/licenses", params={"product": "confluence-server"},
                            headers=admin).json()["data"]
    assert [x["license_name"] for x in by_product] == ["Two Corp"]
    by_q = client.get("/v1/licenses", params={"q": "One"}, headers=admin).json()["data"]
    assert [x["id"] for x in by_q] == [a["id"]]


def validate(client: TestClient, **body: Any) -> dict[str, Any]:
    r = client.post("/v1/licenses/validate", json=body)
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    assert set(answer) >= {"valid", "code", "license"}
    if answer["license"] is not None:
        assert set(answer["license"]) >= {"id", "product", "seats", "status",
                                          "maintenance_until", "major_version", "superseded_by"}
    return answer


def test_validate_every_code(client: TestClient, admin: dict[str, str]) -> None:
    lic = new_license(client, admin, seats=1)
    ok = validate(client, **info(lic))
    assert ok["valid"] is True and ok["code"] == "VALID"
    assert ok["license"] == {**{k: lic[k] for k in ("id", "product", "seats", "status",
                                                    "maintenance_until", "major_version",
                                                    "superseded_by")}, **ok["license"]}
    typed = "\n" + "-".join(lic["license_key"].lower()[i:i + 5]
                            for i in range(0, len(lic["license_key"]), 5)) + " \n"
    assert validate(client, license_name=lic["license_name"], license_key=typed)["code"] == "VALID"
    assert validate(client, **info(lic), product="desktop")["code"] == "VALID"
    assert validate(client, **info(lic), product="jira-server")["code"] == "PRODUCT_MISMATCH"
    assert validate(client, license_name="Someone Else",
                    license_key=lic["license_key"])["code"] == "NAME_MISMATCH"
    assert validate(client, license_name="A", license_key="hello")["code"] == "MALFORMED"
    key = lic["license_key"]
    i = len(key) // 2
    flipped = key[:i] + ("A" if key[i] != "A" else "B") + key[i + 1:]
    bad = validate(client, license_name=lic["license_name"], license_key=flipped)
    assert bad["valid"] is False and bad["code"] in ("BAD_SIGNATURE", "MALFORMED")

    upgraded = buy(client, {"kind": "upgrade", **info(lic), "seats": 5})["licenses"][0]
    old = validate(client, **info(lic))
    assert old["valid"] is True and old["code"] == "SUPERSEDED"
    assert old["license"]["superseded_by"] == upgraded["id"]
    assert validate(client, **info(upgraded))["code"] == "VALID"

    r = client.post(f"/v1/licenses/{upgraded['id']}/revoke", json={"reason": "chargeback"},
                    headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    revoked = validate(client, **info(upgraded))
    assert revoked["valid"] is False and revoked["code"] == "REVOKED"

    other = new_license(client, admin, license_name="Kid Corp")
    keys = client.get("/v1/signing-keys").json()["data"]
    old_kid = next(k["kid"] for k in keys if k["status"] == "active")
    assert client.post("/v1/signing-keys/rotate", headers=admin).status_code in (200, 201)
    assert validate(client, **info(other))["code"] == "VALID"  # old keys keep validating
    assert client.post(f"/v1/signing-keys/{old_kid}/retire", headers=admin).status_code == 200
    unknown = validate(client, **info(other))
    assert unknown["valid"] is False and unknown["code"] == "UNKNOWN_KEY"
    assert unknown["license"] is None


def test_bad_signature(client: TestClient, admin: dict[str, str]) -> None:
    """A key whose bytes were altered but still parse: the signature no longer matches."""
    lic = new_license(client, admin, seats=1)
    key = lic["license_key"]
    codes = set()
    for i in range(3, len(key) - 3, 7):
        if not key[i].isalnum():
            continue
        for c in "ABC234":
            if c != key[i]:
                codes.add(validate(client, license_name=lic["license_name"],
                                   license_key=key[:i] + c + key[i + 1:])["code"])
                break
    assert "BAD_SIGNATURE" in codes and "VALID" not in codes


def test_revoke_and_lost_key(client: TestClient, admin: dict[str, str]) -> None:
    lic = new_license(client, admin, email="lost@acme.test")
    r = client.post(f"/v1/licenses/{lic['id']}/revoke", json={"reason": "fraud"}, headers=admin)
    assert r.status_code == 200
    assert_license(r.json())
    assert r.json()["status"] == "revoked"
    assert client.post(f"/v1/licenses/{lic['id']}/revoke", json={},
                       headers=admin).status_code == 422
    assert err(client.post("/v1/licenses/lic_nope/revoke", json={"reason": "x"},
                           headers=admin))[0] == 404

    kept = new_license(client, admin, email="keys@acme.test", license_name="Keys Inc")
    known = client.post("/v1/licenses/lost-key", json={"email": "keys@acme.test"})
    unknown = client.post("/v1/licenses/lost-key", json={"email": "nobody@acme.test"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    mails = outbox(client, admin, "keys@acme.test")
    assert len(mails) == 1 and kept["license_key"] in mails[0]["body"]
    assert outbox(client, admin, "nobody@acme.test") == []


def test_signing_keys(client: TestClient, admin: dict[str, str]) -> None:
    import base64

    keys = client.get("/v1/signing-keys").json()["data"]
    assert len(keys) == 1
    k = keys[0]
    assert set(k) >= {"kid", "algorithm", "public_key", "status"}
    assert k["algorithm"] == "Ed25519" and len(base64.b64decode(k["public_key"])) == 32
    r = client.post("/v1/signing-keys/rotate", headers=admin)
    assert r.status_code in (200, 201) and r.json()["kid"] != k["kid"]
    after = client.get("/v1/signing-keys").json()["data"]
    assert {x["kid"] for x in after} == {k["kid"], r.json()["kid"]}
    assert [x["status"] for x in after if x["kid"] == r.json()["kid"]] == ["active"]


# -- Registrations ---------------------------------------------------------------------------

def test_registrations(client: TestClient, admin: dict[str, str]) -> None:
    lic = new_license(client, admin, seats=2)
    r = client.post("/v1/registrations", json={**info(lic), "user": "ann@acme.test"})
    assert r.status_code == 201
    seat = r.json()
    assert set(seat) >= {"id", "user", "license_id"}
    assert seat["user"] == "ann@acme.test" and seat["license_id"] == lic["id"]
    again = client.post("/v1/registrations", json={**info(lic), "user": "ann@acme.test"})
    assert again.status_code == 200 and again.json()["id"] == seat["id"]
    assert client.post("/v1/registrations", json={**info(lic), "user": "bob"}).status_code == 201
    full = client.post("/v1/registrations", json={**info(lic), "user": "cy"})
    assert err(full) == (409, "SEATS_EXHAUSTED")
    listed = client.get(f"/v1/licenses/{lic['id']}/registrations", headers=admin).json()
    assert {x["user"] for x in listed["data"]} == {"ann@acme.test", "bob"}
    gone = client.post("/v1/registrations/unregister", json={**info(lic), "user": "bob"})
    assert gone.status_code == 200
    assert client.post("/v1/registrations", json={**info(lic), "user": "cy"}).status_code == 201
    shown = client.get(f"/v1/licenses/{lic['id']}", headers=admin).json()["registrations"]
    assert {x["user"] for x in shown} == {"ann@acme.test", "cy"}

    wrong = client.post("/v1/registrations", json={"license_name": "Other",
                                                   "license_key": lic["license_key"], "user": "x"})
    assert err(wrong) == (422, "INVALID_LICENSE")
    assert wrong.json()["error"]["details"]["code"] == "NAME_MISMATCH"
    junk = client.post("/v1/registrations", json={"license_name": "A", "license_key": "zz",
                                                  "user": "x"})
    assert err(junk) == (422, "INVALID_LICENSE")
    assert junk.json()["error"]["details"]["code"] == "MALFORMED"

    new = buy(client, {"kind": "upgrade", **info(lic), "seats": 5})["licenses"][0]
    sup = client.post("/v1/registrations", json={**info(lic), "user": "dan"})
    assert err(sup) == (409, "LICENSE_SUPERSEDED")
    assert sup.json()["error"]["details"]["superseded_by"] == new["id"]
    # users already registered keep working: their seat moved to the new license
    kept = client.post("/v1/registrations", json={**info(lic), "user": "ann@acme.test"})
    assert kept.status_code == 200 and kept.json()["license_id"] == new["id"]

    client.post(f"/v1/licenses/{new['id']}/revoke", json={"reason": "x"}, headers=admin)
    assert err(client.post("/v1/registrations", json={**info(new), "user": "eve"})) == (
        409, "LICENSE_REVOKED")
