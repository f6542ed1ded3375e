"""One rule for what an email address is: an account's and a buyer's are judged alike."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from licensor.core.errors import LicensorError
from licensor.licenses.service import check_email

REFUSED = ["a" * 65 + "@example.test", "nul\x00@example.test", "no-at.example.test",
           "two@@example.test", "sp ace@example.test"]


@pytest.mark.parametrize("email", REFUSED)
def test_an_address_refused_for_a_buyer_is_refused_for_an_account(client: TestClient,
                                                                   email: str) -> None:
    with pytest.raises(LicensorError):
        check_email(email)
    r = client.post("/v1/accounts", json={"email": email, "name": "Someone",
                                          "password": "correct horse"})
    assert r.status_code == 422, r.text


def test_an_ordinary_address_is_taken_by_both(client: TestClient) -> None:
    assert check_email("buyer@example.test") == "buyer@example.test"
    r = client.post("/v1/accounts", json={"email": "buyer@example.test", "name": "Someone",
                                          "password": "correct horse"})
    assert r.status_code == 201, r.text
