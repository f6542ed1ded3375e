"""Idempotency-Key answers right: stored with the work before the answer leaves, compared as
canonical JSON, freed when its holder died, forgotten after a day, and no secret in clear."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from licensor.core import idempotency
from licensor.core.clock import wall_clock
from licensor.core.context import Context
from licensor.core.models import IdempotencyKeyRow
from licensor.orders.models import OrderRow
from tests.builders import race
from tests.core.server import running_server

NEW_LICENSE = {"product": "desktop", "seats": 3, "license_name": "Acme Inc",
               "email": "it@acme.test"}


def test_spacing_and_key_order_do_not_make_another_request(client: TestClient,
                                                           admin: dict[str, str]) -> None:
    headers = {**admin, "Idempotency-Key": "spacing-1", "Content-Type": "application/json"}
    first = client.post("/v1/licenses", headers=headers, content=json.dumps(NEW_LICENSE))
    assert first.status_code == 201, first.text
    spaced = json.dumps(dict(reversed(list(NEW_LICENSE.items()))), indent=4)
    again = client.post("/v1/licenses", headers=headers, content=spaced)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = client.post("/v1/licenses", headers=headers,
                        content=json.dumps({**NEW_LICENSE, "seats": 4}))
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_tokens_in_answers_are_not_stored_in_clear(ctx: Context, client: TestClient) -> None:
    r = client.post("/v1/accounts", headers={"Idempotency-Key": "acct-1"},
                    json={"email": "ann@acme.test", "name": "Ann", "password": "pw-12345678"})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    with ctx.db.reader() as session:
        rows = list(session.scalars(select(IdempotencyKeyRow)))
    assert len(rows) == 1
    stored = (rows[0].response_body or "") + rows[0].key + rows[0].scope
    assert token not in stored and "acct-1" not in stored
    replay = client.post("/v1/accounts", headers={"Idempotency-Key": "acct-1"},
                         json={"email": "ann@acme.test", "name": "Ann",
                               "password": "pw-12345678"})
    assert replay.status_code == 201 and replay.json()["token"] == token


def test_a_key_held_by_a_dead_process_is_freed_by_its_lease(ctx: Context, client: TestClient,
                                                            admin: dict[str, str]) -> None:
    headers = {**admin, "Idempotency-Key": "held-1"}
    claim = idempotency.Claim.of("POST", "/v1/licenses", headers["Authorization"], "held-1",
                                 json.dumps(NEW_LICENSE).encode())
    assert idempotency.claim(ctx.db, claim) is None  # a process took the key, then died
    busy = client.post("/v1/licenses", headers=headers, json=NEW_LICENSE)
    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE"
    with ctx.db.writer() as session:  # its lease runs out (LEASE after its last renewal)
        session.execute(update(IdempotencyKeyRow).values(
            locked_until=wall_clock() - timedelta(seconds=1)))
        session.commit()
    done = client.post("/v1/licenses", headers=headers, json=NEW_LICENSE)
    assert done.status_code == 201, done.text


def test_records_are_forgotten_after_a_day(ctx: Context, client: TestClient,
                                           admin: dict[str, str]) -> None:
    headers = {**admin, "Idempotency-Key": "old-1"}
    assert client.post("/v1/licenses", headers=headers, json=NEW_LICENSE).status_code == 201
    with ctx.db.writer() as session:
        session.execute(update(IdempotencyKeyRow).values(
            created_at=wall_clock() - idempotency.KEEP - timedelta(minutes=1)))
        session.commit()
    with ctx.db.transaction() as session:
        assert idempotency.forget_old_records(ctx, session, ctx.clock.now(session)) == 1
    with ctx.db.reader() as session:
        assert session.scalars(select(IdempotencyKeyRow)).first() is None


def test_a_failed_commit_answers_500_and_frees_the_key(ctx: Context, client: TestClient,
                                                      admin: dict[str, str]) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    def mark(session: Session, *_args: object) -> None:  # the answer is written...
        if any(isinstance(o, IdempotencyKeyRow) and o.status_code == 201
               for o in [*session.new, *session.dirty]):
            session.info["answer-written"] = True

    def fail(session: Session) -> None:  # ...and its transaction cannot commit
        if session.info.pop("answer-written", False):
            raise RuntimeError("the database went away")

    headers = {**admin, "Idempotency-Key": "commit-fails-1"}
    event.listen(Session, "before_flush", mark)
    event.listen(Session, "before_commit", fail)
    try:
        r = client.post("/v1/licenses", headers=headers, json=NEW_LICENSE)
    finally:
        event.remove(Session, "before_commit", fail)
        event.remove(Session, "before_flush", mark)
    assert r.status_code == 500 and r.json()["error"]["code"] == "INTERNAL"
    assert client.get("/v1/licenses", headers=admin).json()["data"] == []  # nothing committed
    again = client.post("/v1/licenses", headers=headers, json=NEW_LICENSE)
    assert again.status_code == 201, again.text


@pytest.mark.server
@pytest.mark.slow
def test_200_immediate_retries_each_get_the_stored_answer(ctx: Context, tmp_path) -> None:
    """Against the real server: the moment the first answer arrives, every retry replays it
    (the answer is stored before its last byte leaves)."""
    with running_server(ctx, tmp_path) as base, httpx.Client(base_url=base, timeout=30) as http:
        quotes = [http.post("/v1/quotes", json={"kind": "new", "product": "desktop",
                                                "seats": 1}).json()["id"]
                  for _ in range(4)]
        codes: list[int] = []
        for i in range(200):
            body = {"quote_id": quotes[i % 4], "payment_method": "card",
                    "buyer": {"name": "Ann", "email": "ann@acme.test"}}
            key = {"Idempotency-Key": f"retry-{i}"}
            first = http.post("/v1/orders", json=body, headers=key)
            again = http.post("/v1/orders", json=body, headers=key)
            assert again.json() == first.json(), (i, first.text, again.text)
            codes.append(again.status_code)
    assert codes.count(201) == 4 and codes.count(409) == 196  # QUOTE_ALREADY_ORDERED replayed
    with ctx.db.reader() as session:
        assert len(list(session.scalars(select(OrderRow)))) == 4


def test_concurrent_twins_one_runs_one_waits(ctx: Context, client: TestClient,
                                            admin: dict[str, str]) -> None:
    headers = {**admin, "Idempotency-Key": "twins-1"}
    answers: list[httpx.Response] = race(
        4, lambda _: client.post("/v1/licenses", headers=headers, json=NEW_LICENSE))
    created = [a for a in answers if a.status_code == 201]
    assert {a.status_code for a in answers} <= {201, 409}
    assert len({a.json()["id"] for a in created}) == 1
    assert len(client.get("/v1/licenses", headers=admin).json()["data"]) == 1
