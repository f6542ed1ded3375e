"""VAT IDs checked with VIES (a local stand-in of the EU's service): up, says no, down, slow.
Only a "no" refuses the order; a VIES that does not answer in time leaves the ID unverified
and the buyer taxed as a consumer."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.tax.vat_ids import VatIdStatus, Vies, normalize, vies_check
from tests.orders.helpers import error
from tests.tax.helpers import amount, buyer, italian_seller, ordered
from tests.tax.vies_standin import ViesStandIn, vies_standin

FRENCH_VAT_ID = "FR40303265045"


@pytest.fixture
def vies(ctx: Context) -> Iterator[ViesStandIn]:
    with vies_standin() as standin:
        italian_seller(ctx)
        ctx.settings.vies, ctx.settings.vies_url = "on", standin.url
        ctx.settings.vies_timeout = 0.5
        standin.registered.add(FRENCH_VAT_ID)
        yield standin


def test_a_registered_vat_id_is_reverse_charged(vies: ViesStandIn, client: TestClient) -> None:
    order = ordered(client, country="FR", vat_id=FRENCH_VAT_ID)
    assert (order["tax"]["treatment"], order["tax"]["vat_id_status"]) == (
        "reverse_charge", "valid")
    assert vies.asked == [FRENCH_VAT_ID]


def test_an_id_vies_does_not_know_is_refused(vies: ViesStandIn, client: TestClient) -> None:
    vies.registered.clear()
    q = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1}).json()
    body = error(client.post("/v1/orders", json={"quote_id": q["id"], "payment_method": "card",
                                                 "buyer": buyer("FR", FRENCH_VAT_ID)}),
                 422, "INVALID_VAT_ID")
    assert "VIES" in body["message"]


@pytest.mark.parametrize("mode", ["down", "broken", "slow"])
def test_vies_not_answering_taxes_the_buyer_as_a_consumer(vies: ViesStandIn, client: TestClient,
                                                          mode: str) -> None:
    vies.mode = mode
    started = time.monotonic()
    order = ordered(client, country="FR", vat_id=FRENCH_VAT_ID)
    assert time.monotonic() - started < vies.delay  # the timeout, not VIES, decided
    assert (order["tax"]["treatment"], order["tax"]["rate"]) == ("standard", "20")
    assert (order["tax"]["vat_id"], order["tax"]["vat_id_status"]) == (FRENCH_VAT_ID,
                                                                       "unverified")
    assert amount(order["total"]) == 10680


def test_vies_is_off_in_sandbox_mode_by_default(ctx: Context) -> None:
    assert ctx.settings.vies == "" and not ctx.settings.vies_on
    ctx.settings.sandbox = False
    assert ctx.settings.vies_on


def test_vies_is_not_asked_about_an_ill_formed_id(vies: ViesStandIn) -> None:
    from licensor.core.errors import LicensorError

    with pytest.raises(LicensorError):
        normalize("FR40303265046", "FR")
    assert vies.asked == []


def test_nothing_listening_is_unverified() -> None:
    from tests.core.server import free_port

    closed = Vies(f"http://127.0.0.1:{free_port()}/vies", timeout=0.5)
    assert vies_check(closed, FRENCH_VAT_ID) is VatIdStatus.UNVERIFIED


def test_greece_is_el_and_other_countries_use_their_own_check() -> None:
    assert normalize("094259216", "GR") == "EL094259216"
    assert normalize("GB 980 7806 84", "GB") == "GB980780684"
    assert normalize("NO 995 525 828 MVA", "NO") == "NO995525828MVA"
