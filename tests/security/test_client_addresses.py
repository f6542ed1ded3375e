"""Who a request comes from (core/web/clients.py): the peer, or the client a trusted proxy names
in X-Forwarded-For; the same address for the rate limits and for an order's tax evidence,
whichever HTTP server runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.core.web.clients import ClientAddresses, trusted_networks
from licensor.orders.models import OrderRow
from tests.builders import create_license, license_info
from tests.core.server import Server
from tests.releases.helpers import put_release, upload
from tests.security.conftest import MakeClient


def order_from(client: TestClient | httpx.Client, headers: dict[str, str]) -> str:
    quote = client.post("/v1/quotes", json={"kind": "new", "product": "desktop", "seats": 1})
    assert quote.status_code == 201, quote.text
    order = client.post("/v1/orders", headers=headers, json={
        "quote_id": quote.json()["id"], "payment_method": "card",
        "buyer": {"name": "Ana Diaz", "email": "ana@acme.test"}})
    assert order.status_code == 201, order.text
    return str(order.json()["id"])


def ip_evidence(ctx: Context, order_id: str) -> Any:
    with ctx.db.reader() as session:
        order = session.get(OrderRow, order_id)
        assert order is not None and order.tax is not None
        return order.tax["evidence"]["ip_address"]


def test_an_order_keeps_the_client_a_trusted_proxy_names(ctx: Context,
                                                          make_client: MakeClient) -> None:
    proxy = make_client(trusted_proxies="10.0.0.0/8", peer=("10.0.0.5", 1))
    order = order_from(proxy, {"X-Forwarded-For": "1.1.1.1, 192.0.2.1"})
    assert ip_evidence(ctx, order) == "192.0.2.1"  # the last hop the proxy did not write
    direct = TestClient(proxy.app, client=("192.0.2.50", 1))
    order = order_from(direct, {"X-Forwarded-For": "6.6.6.6"})  # not a proxy: ignored
    assert ip_evidence(ctx, order) == "192.0.2.50"


def test_a_proxied_client_is_read_again_from_memory_and_alike() -> None:
    clients = ClientAddresses(trusted_networks("127.0.0.1"))
    scope = {"client": ("127.0.0.1", 1), "headers": [(b"x-forwarded-for", b"192.0.2.7")]}
    assert clients.of(scope) == clients.of(scope) == "192.0.2.7"
    assert clients.of({"client": ("127.0.0.1", 1),
                       "headers": [(b"x-forwarded-for", b"192.0.2.8")]}) == "192.0.2.8"
    assert clients.of({"client": ("127.0.0.1", 1), "headers": []}) == "127.0.0.1"
    assert clients.of({"client": ("127.0.0.1", 1),
                       "headers": [(b"x-forwarded-for", b"")]}) == "127.0.0.1"
    # A long header (what a client wrote, then the proxy's hop) is read, never remembered.
    forged = b", ".join(b"198.51.100.%d" % i for i in range(100)) + b", 192.0.2.10"
    remembered = len(clients._named)
    assert clients.of({"client": ("127.0.0.1", 1),
                       "headers": [(b"x-forwarded-for", forged)]}) == "192.0.2.10"
    assert len(clients._named) == remembered
    # Two header lines read as one list, from the right.
    assert clients.of({"client": ("127.0.0.1", 1), "headers": [
        (b"x-forwarded-for", b"9.9.9.9"), (b"x-forwarded-for", b"192.0.2.9")]}) == "192.0.2.9"


def test_a_bad_trusted_proxy_says_what_to_write() -> None:
    with pytest.raises(ValueError, match="10.0.0.5,10.1.0.0/16"):
        trusted_networks("10.0.0.5, not-an-address")


@pytest.mark.server
def test_the_http_server_believes_no_proxy_that_is_not_listed(ctx: Context,
                                                              tmp_path: Path) -> None:
    """uvicorn alone would believe X-Forwarded-For from 127.0.0.1; Licensor believes only
    LICENSOR_TRUSTED_PROXIES, for the rate limits and the tax evidence alike."""
    for listed, recorded in (("", "127.0.0.1"), ("127.0.0.1", "198.51.100.9")):
        server = Server(ctx, tmp_path, workers=1, env={"LICENSOR_TRUSTED_PROXIES": listed})
        server.start()
        try:
            with httpx.Client(base_url=server.base) as http:
                order = order_from(http, {"X-Forwarded-For": "198.51.100.9"})
        finally:
            server.stop()
        assert ip_evidence(ctx, order) == recorded, listed


def cookie_of(app: Any, peer: str, headers: dict[str, str]) -> str:
    """The CSRF cookie a first visit to a form gets (a new browser each time)."""
    page = TestClient(app, client=(peer, 1)).get("/lost-key", headers=headers)
    assert page.status_code == 200
    return page.headers["set-cookie"].lower()


def test_https_at_a_trusted_proxy_marks_cookies_secure(make_client: MakeClient) -> None:
    app = make_client(trusted_proxies="10.0.0.0/8", peer=("10.0.0.5", 1)).app
    assert "secure" in cookie_of(app, "10.0.0.5", {"X-Forwarded-Proto": "https"})
    assert "secure" not in cookie_of(app, "10.0.0.5", {"X-Forwarded-Proto": "http"})
    assert "secure" not in cookie_of(app, "10.0.0.5", {})
    # Not a proxy: not believed.
    assert "secure" not in cookie_of(app, "192.0.2.50", {"X-Forwarded-Proto": "https"})


def test_https_read_from_the_proxys_own_word() -> None:
    clients = ClientAddresses(trusted_networks("127.0.0.1"))

    def https(*proto: bytes, scheme: str = "http", peer: str = "127.0.0.1") -> bool:
        return clients.https({"scheme": scheme, "client": (peer, 1),
                              "headers": [(b"x-forwarded-proto", p) for p in proto]})

    assert https(b"https") and https(b"HTTPS") and https(b"http, https")
    assert not https(b"https, http") and not https() and not https(b"https", peer="192.0.2.1")
    assert https(scheme="https", peer="192.0.2.1")  # TLS to this server itself


def test_a_download_link_is_https_when_the_customer_came_over_https(
        ctx: Context, make_client: MakeClient) -> None:
    proxy = make_client(trusted_proxies="10.0.0.0/8", peer=("10.0.0.5", 1))
    put_release(proxy, "desktop", "3.9.0", "2030-01-01T00:00:00Z")
    upload(proxy, "desktop", "3.9.0", "linux", b"build", "mockups.tar.gz")
    body = {**license_info(create_license(ctx, product="desktop")), "platform": "linux"}
    for proto, scheme in (("https", "https://"), ("http", "http://")):
        offer = proxy.post("/v1/downloads", json=body, headers={
            "X-Forwarded-Proto": proto, "Host": "licensing.vendor.test"})
        assert offer.status_code == 200, offer.text
        assert offer.json()["url"].startswith(scheme + "licensing.vendor.test/")
