"""Customer accounts and sessions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.subscriptions.conftest import Shop


def test_sign_up_then_log_in_gives_a_working_token(shop: Shop, client: TestClient) -> None:
    _headers, body = shop.account("Ann@Example.test")
    assert body["email"] == "Ann@Example.test" and body["token"].startswith("lsa_")
    r = client.post("/v1/sessions", json={"email": "ann@example.TEST",
                                          "password": "correct horse"})
    assert r.status_code == 200
    token = r.json()["token"]
    assert token != body["token"]
    site = client.post("/v1/sites", json={"name": "A"},
                       headers={"Authorization": f"Bearer {token}"})
    assert site.status_code == 201 and site.json()["owner_id"] == body["id"]


def test_duplicate_email_is_taken(shop: Shop, client: TestClient) -> None:
    shop.account("bob@example.test")
    r = client.post("/v1/accounts", json={"email": "BOB@example.test", "name": "B",
                                          "password": "something long"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "EMAIL_TAKEN"


def test_wrong_password_or_unknown_email(shop: Shop, client: TestClient) -> None:
    shop.account("cat@example.test")
    for email, password in [("cat@example.test", "wrong password"),
                            ("nobody@example.test", "correct horse")]:
        r = client.post("/v1/sessions", json={"email": email, "password": password})
        assert r.status_code == 401 and r.json()["error"]["code"] == "INVALID_CREDENTIALS"


def test_no_or_bad_token_is_unauthenticated(client: TestClient, admin: dict[str, str]) -> None:
    for headers in [{}, {"Authorization": "Bearer lsa_forged"}, admin]:
        r = client.post("/v1/sites", json={"name": "A"}, headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHENTICATED"


def test_bad_sign_up_input_is_422(client: TestClient) -> None:
    for body in [{"email": "not-an-email", "name": "x", "password": "long enough"},
                 {"email": "a@b.c", "name": "x", "password": ""},
                 {"email": "a@b.c", "name": "x" * 201, "password": "long enough"}]:
        r = client.post("/v1/accounts", json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_REQUEST"


def test_passwords_and_tokens_are_not_stored_in_clear(shop: Shop, ctx: object) -> None:
    from licensor.accounts.models import AccountRow, AccountTokenRow

    _, body = shop.account("dan@example.test")
    with ctx.db.reader() as session:  # type: ignore[attr-defined]
        row = session.get(AccountRow, body["id"])
        assert row is not None and row.password_hash.startswith("$argon2id$")
        tokens = session.query(AccountTokenRow).all()
        assert all(t.token_hash != body["token"] and len(t.token_hash) == 64 for t in tokens)
