"""Sign-in lockout: 10 wrong passwords in 15 minutes lock the account for 15 minutes."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import ADMIN

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

PASSWORD = "correct horse battery staple"


def sign_up(client: TestClient, email: str = "owner@acme.test") -> None:
    assert client.post("/v1/accounts", json={"email": email, "name": "Owner",
                                             "password": PASSWORD}).status_code == 201


def sign_in(client: TestClient, password: str, email: str = "owner@acme.test",
            peer: str = "198.51.100.1") -> tuple[int, dict[str, object], dict[str, str]]:
    other = TestClient(client.app, client=(peer, 1234))  # same app, another client address
    answer = other.post("/v1/sessions", json={"email": email, "password": password})
    return answer.status_code, answer.json(), dict(answer.headers)


def lock_mails(client: TestClient, to: str = "owner@acme.test") -> list[dict[str, object]]:
    outbox = client.get(f"/v1/sandbox/outbox?to={to}", headers=ADMIN).json()["data"]
    return [m for m in outbox if "locked" in str(m["subject"])]


def advance(client: TestClient, seconds: int) -> None:
    assert client.post("/v1/sandbox/clock/advance", json={"seconds": seconds},
                       headers=ADMIN).status_code == 200


def test_ten_failures_from_anywhere_lock_even_the_right_password(client: TestClient) -> None:
    sign_up(client)
    advance(client, 0)  # freeze the sandbox clock: the test moves time itself
    for n in range(10):
        status, body, _ = sign_in(client, f"guess {n}", peer=f"198.51.100.{n + 1}")
        assert status == 401 and body["error"]["code"] == "INVALID_CREDENTIALS"
    status, body, headers = sign_in(client, PASSWORD, peer="203.0.113.9")
    assert status == 429
    assert body["error"]["code"] == "RATE_LIMITED"
    assert "locked" in body["error"]["message"] and "Try again" in body["error"]["message"]
    assert not ISO_DATE.search(body["error"]["message"])  # "March 4, 2027, 12:15 UTC"
    assert headers["retry-after"] == "900" == str(body["error"]["details"]["retry_after"])
    # More guesses while locked are refused before the password is even looked at...
    for n in range(5):
        assert sign_in(client, f"more {n}")[0] == 429
    # ... and the owner hears of it once, the date written as every mail writes it.
    assert len(lock_mails(client)) == 1
    assert not ISO_DATE.search(str(lock_mails(client)[0]["body"]))
    advance(client, 14 * 60)
    status, _, headers = sign_in(client, PASSWORD)
    assert status == 429 and headers["retry-after"] == "60"
    advance(client, 60)
    status, body, _ = sign_in(client, PASSWORD)
    assert status == 200 and body["token"]
    assert len(lock_mails(client)) == 1


def test_failures_spread_over_more_than_15_minutes_do_not_lock(client: TestClient) -> None:
    sign_up(client)
    advance(client, 0)
    for n in range(5):
        assert sign_in(client, f"guess {n}")[0] == 401
    advance(client, 15 * 60 + 1)
    for n in range(5):
        assert sign_in(client, f"again {n}")[0] == 401
    assert sign_in(client, PASSWORD)[0] == 200
    assert lock_mails(client) == []


def test_a_right_password_clears_the_count(client: TestClient) -> None:
    sign_up(client)
    advance(client, 0)
    for n in range(9):
        assert sign_in(client, f"guess {n}")[0] == 401
    assert sign_in(client, PASSWORD)[0] == 200
    for n in range(9):
        assert sign_in(client, f"more {n}")[0] == 401
    assert sign_in(client, PASSWORD)[0] == 200


def test_an_unknown_email_locks_alike_and_nobody_is_mailed(client: TestClient) -> None:
    advance(client, 0)
    for n in range(10):
        assert sign_in(client, f"guess {n}", email="nobody@acme.test")[0] == 401
    status, body, _ = sign_in(client, "guess", email="nobody@acme.test")
    assert status == 429 and body["error"]["code"] == "RATE_LIMITED"
    assert client.get("/v1/sandbox/outbox", headers=ADMIN).json()["data"] == []


def test_the_lock_is_per_account(client: TestClient) -> None:
    sign_up(client)
    sign_up(client, "other@acme.test")
    advance(client, 0)
    for n in range(10):
        sign_in(client, f"guess {n}")
    assert sign_in(client, PASSWORD, email="other@acme.test")[0] == 200
