"""Account sessions expire (sliding, 30 days) and can be ended; admin tokens expire and are
revoked; refused ones are told why."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from licensor.accounts.models import AccountTokenRow
from licensor.core.context import Context
from licensor.core.tokens import token_hash
from tests.conftest import Run


def new_account(client: TestClient) -> str:
    answer = client.post("/v1/accounts", json={"email": "owner@acme.test", "name": "Owner",
                                               "password": "pw"})
    return str(answer.json()["token"])


def sign_in(client: TestClient) -> str:
    return str(client.post("/v1/sessions", json={"email": "owner@acme.test",
                                                  "password": "pw"}).json()["token"])


def probe(client: TestClient, token: str) -> tuple[int, dict[str, object]]:
    """An account call: 404 for the unknown site once signed in, 401 when not."""
    answer = client.get("/v1/sites/no-such-site", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code, answer.json()


def age(ctx: Context, token: str, days: int) -> None:
    """Make the session's last use `days` ago (real time; the sandbox clock does not count)."""
    then = datetime.now(UTC) - timedelta(days=days)
    with ctx.db.transaction() as session:
        session.execute(update(AccountTokenRow)
                        .where(AccountTokenRow.token_hash == token_hash(token))
                        .values(created_at=then, last_used_at=then))


def last_used(ctx: Context, token: str) -> datetime | None:
    with ctx.db.reader() as session:
        row = session.get(AccountTokenRow, token_hash(token))
        assert row is not None
        return row.last_used_at


def test_a_session_ends_when_signed_out(client: TestClient) -> None:
    first, second = new_account(client), sign_in(client)
    assert probe(client, first)[0] == 404
    ended = client.delete("/v1/sessions/current", headers={"Authorization": f"Bearer {first}"})
    assert ended.status_code == 200 and ended.json() == {"status": "ended"}
    status, body = probe(client, first)
    assert status == 401
    assert body["error"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]
    assert body["error"]["details"]["reason"] == "revoked"  # type: ignore[index]
    assert "sign in again" in body["error"]["message"]  # type: ignore[index]
    assert probe(client, second)[0] == 404  # only that session ended


def test_signing_out_everywhere(client: TestClient) -> None:
    first, second = new_account(client), sign_in(client)
    answer = client.delete("/v1/sessions", headers={"Authorization": f"Bearer {second}"})
    assert answer.json()["sessions_ended"] == 2
    assert probe(client, first)[0] == probe(client, second)[0] == 401


def test_ending_a_session_needs_one(client: TestClient) -> None:
    answer = client.delete("/v1/sessions/current")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "UNAUTHENTICATED"
    assert answer.json()["error"]["details"]["reason"] == "missing"
    assert probe(client, "lsa_not-a-token")[0] == 401


def test_a_session_unused_for_30_days_expires(client: TestClient, ctx: Context) -> None:
    token = new_account(client)
    age(ctx, token, 30)
    status, body = probe(client, token)
    assert status == 401
    assert body["error"]["details"]["reason"] == "expired"  # type: ignore[index]
    assert "expired" in body["error"]["message"]  # type: ignore[index]


def test_a_session_in_use_slides(client: TestClient, ctx: Context) -> None:
    token = new_account(client)
    age(ctx, token, 29)
    assert probe(client, token)[0] == 404
    used = last_used(ctx, token)
    assert used is not None and datetime.now(UTC) - used < timedelta(minutes=1)


def test_the_sandbox_clock_does_not_end_sessions(client: TestClient, admin: dict[str, str]
                                                 ) -> None:
    token = new_account(client)
    assert client.post("/v1/sandbox/clock/advance", json={"seconds": 90 * 86400},
                       headers=admin).status_code == 200
    assert probe(client, token)[0] == 404


def admin_call(client: TestClient, token: str) -> tuple[int, dict[str, object]]:
    answer = client.get("/v1/licenses", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code, answer.json()


def test_admin_tokens_expire(client: TestClient, cli: Run) -> None:
    token = cli("tokens", "create", "ci", "--expires-in", "1s").strip().splitlines()[-1]
    assert admin_call(client, token)[0] == 200
    time.sleep(1.2)
    status, body = admin_call(client, token)
    assert status == 401
    assert body["error"]["details"]["reason"] == "expired"  # type: ignore[index]
    assert "expired" in body["error"]["message"]  # type: ignore[index]
    assert "expired" in cli("tokens", "list")


def test_admin_tokens_are_revoked_by_name_or_id(client: TestClient, cli: Run) -> None:
    token = cli("tokens", "create", "laptop").strip().splitlines()[-1]
    keep = cli("tokens", "create", "server", "--expires-in", "30d").strip().splitlines()[-1]
    assert admin_call(client, token)[0] == 200
    assert "Revoked" in cli("tokens", "revoke", "laptop")
    status, body = admin_call(client, token)
    assert status == 401
    assert body["error"]["details"]["reason"] == "revoked"  # type: ignore[index]
    assert "revoked" in body["error"]["message"]  # type: ignore[index]
    assert admin_call(client, keep)[0] == 200
    listing = cli("tokens", "list")
    assert "laptop" in listing and "revoked" in listing and "active" in listing
    assert "lsr_" not in listing  # the secrets are never shown again
    assert "TOKEN_NOT_FOUND" in cli("tokens", "revoke", "nobody", code=2)


def test_a_duration_that_cannot_be_read(cli: Run) -> None:
    assert "INVALID_DURATION" in cli("tokens", "create", "x", "--expires-in", "soon", code=2)
    assert "INVALID_DURATION" in cli("tokens", "create", "x", "--expires-in", "0d", code=2)
