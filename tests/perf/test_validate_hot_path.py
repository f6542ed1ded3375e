"""POST /v1/licenses/validate on its hot path: the same answers as the regular FastAPI handler,
and never a write."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text, update

from licensor.core.context import Context
from licensor.licenses import validation
from licensor.licenses.models import LicenseRow
from tests.builders import create_license, license_info

URL = "/v1/licenses/validate"
# A content type the hot path leaves to the regular handler (FastAPI reads any +json as JSON).
REGULAR = {"Content-Type": "application/vnd.licensor+json"}


def both(client: TestClient, body: Any) -> tuple[Any, Any]:
    """(hot path response, regular handler response) for the same body."""
    import json

    hot = client.post(URL, content=json.dumps(body), headers={"Content-Type": "application/json"})
    regular = client.post(URL, content=json.dumps(body), headers=REGULAR)
    return hot, regular


def assert_same(client: TestClient, body: Any) -> dict[str, Any]:
    hot, regular = both(client, body)
    assert hot.status_code == regular.status_code
    assert hot.headers["content-type"] == regular.headers["content-type"]
    hot_answer, regular_answer = hot.json(), regular.json()
    # Each answer carries the second it was signed in (tests/licenses/test_signed_answers.py).
    assert hot_answer.pop("issued_at") and regular_answer.pop("issued_at")
    assert hot_answer == regular_answer
    return hot_answer  # type: ignore[no-any-return]


def test_every_verdict_is_the_regular_handlers(ctx: Context, client: TestClient) -> None:
    row = create_license(ctx, license_name="Zoë & Søn Ltd")
    info = license_info(row)
    assert assert_same(client, info)["code"] == "VALID"
    assert assert_same(client, {**info, "product": "desktop"})["code"] == "VALID"
    assert assert_same(client, {**info, "license_name": "Someone Else"})["code"] == "NAME_MISMATCH"
    assert assert_same(client, {**info, "license_key": "AAAA-BBBB"})["code"] == "MALFORMED"
    tampered = info["license_key"][:-3] + ("A" if info["license_key"][-3] != "A" else "B") \
        + info["license_key"][-2:]
    assert assert_same(client, {**info, "license_key": tampered})["code"] == "BAD_SIGNATURE"
    assert assert_same(client, {**info, "product": "server"})["code"] == "PRODUCT_MISMATCH"
    revoked = create_license(ctx, license_name="Revoked Co")
    with ctx.db.transaction() as session:
        session.execute(update(LicenseRow).where(LicenseRow.id == revoked.id)
                        .values(status="revoked"))
    answer = assert_same(client, license_info(revoked))
    assert (answer["valid"], answer["code"]) == (False, "REVOKED")
    old, new = create_license(ctx, license_name="Grown Co"), create_license(ctx)
    with ctx.db.transaction() as session:
        session.execute(update(LicenseRow).where(LicenseRow.id == old.id)
                        .values(status="superseded", superseded_by=new.id))
    answer = assert_same(client, license_info(old))
    assert (answer["valid"], answer["code"]) == (True, "SUPERSEDED")
    assert answer["license"]["superseded_by"] == new.id
    with ctx.db.transaction() as session:
        session.execute(text("DELETE FROM licenses WHERE id = :id"), {"id": row.id})
    assert assert_same(client, info)["code"] == "UNKNOWN_KEY"


@pytest.mark.parametrize("body", [
    "not json", "", "[]", "null", '{"license_name": "x"}', '{"license_key": "x"}',
    '{"license_name": 5, "license_key": "x"}', '{"license_name": "x", "license_key": null}',
    '{"license_name": "' + "x" * 1001 + '", "license_key": "K"}',
    '{"license_name": "x", "license_key": "K", "product": "' + "p" * 65 + '"}',
    '{"license_name": "x", "license_key": "K", "nonce": "' + "n" * 129 + '"}',
])
def test_refusals_are_the_regular_handlers(client: TestClient, body: str) -> None:
    hot = client.post(URL, content=body, headers={"Content-Type": "application/json"})
    regular = client.post(URL, content=body, headers={"Content-Type": "application/json; x=1"})
    assert hot.status_code == regular.status_code == 422
    assert hot.json() == regular.json()
    assert hot.json()["error"]["code"] == "INVALID_REQUEST"


def test_a_key_from_a_signing_key_rotated_a_moment_ago_validates(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    before = create_license(ctx)
    assert client.post(URL, json=license_info(before)).json()["code"] == "VALID"  # cached
    stale = ctx.keyring._verifier
    with ctx.db.transaction() as session:
        ctx.keyring.rotate(session, ctx.clock.now(session), "test")
    ctx.keyring._verifier = stale  # as if another worker rotated: this one's cache is stale
    after = create_license(ctx)
    assert client.post(URL, json=license_info(after)).json()["code"] == "VALID"
    assert client.post(URL, json=license_info(before)).json()["code"] == "VALID"


def test_the_hot_path_reconnects_after_losing_its_connection(ctx: Context,
                                                             client: TestClient) -> None:
    row = create_license(ctx)
    assert client.post(URL, json=license_info(row)).json()["code"] == "VALID"
    _pid, conn = ctx.validation_connection
    conn.dbapi_connection.close()  # e.g. the database server restarted
    assert client.post(URL, json=license_info(row)).json()["code"] == "VALID"


@pytest.fixture
def statements(ctx: Context) -> Iterator[list[str]]:
    seen: list[str] = []
    engines = {ctx.db.engine, ctx.db.read_engine}

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    yield seen
    for engine in engines:
        event.remove(engine, "before_cursor_execute", record)


def test_validation_never_writes(ctx: Context, client: TestClient,
                                 statements: list[str]) -> None:
    rows = [create_license(ctx, license_name=f"Reader {i}") for i in range(3)]
    with ctx.db.transaction() as session:
        session.execute(update(LicenseRow).where(LicenseRow.id == rows[1].id)
                        .values(status="superseded", superseded_by=rows[2].id))

    def table_state() -> list[Any]:
        with ctx.db.engine.connect() as conn:
            return [conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()
                    for t in ("licenses", "audit_log", "audit_head", "mail_outbox",
                              "registrations", "idempotency_keys")]

    before = table_state()
    statements.clear()
    bodies = [license_info(r) for r in rows] + [{**license_info(rows[0]), "license_name": "X"}]
    for body in bodies * 5:
        assert client.post(URL, json=body).status_code == 200
        # The regular handler (other content types) does not write either.
        assert client.post(URL, json=body, headers=REGULAR).status_code == 200
    # Idempotency-Key makes the middleware store the answer; that is the key's bookkeeping,
    # not validation, so it is left out here.
    assert statements, "the validations ran no statement at all?"
    verbs = {s.split()[0].upper() for s in statements}
    assert verbs <= {"SELECT", "BEGIN", "ROLLBACK"}, verbs
    assert table_state() == before


def test_the_hot_path_connection_is_closed_with_the_app(ctx: Context) -> None:
    from licensor.app import create_app

    row = create_license(ctx)
    with TestClient(create_app(ctx, run_prepare=False)) as client:
        assert client.post(URL, json=license_info(row)).json()["valid"] is True
        assert ctx.validation_connection is not None
    assert ctx.validation_connection is None
    validation.close(ctx)  # closing twice is harmless


def test_with_an_idempotency_key_the_regular_route_answers_and_replays(
        ctx: Context, client: TestClient) -> None:
    row = create_license(ctx)
    headers = {"Idempotency-Key": "validate-1"}
    first = client.post(URL, json=license_info(row), headers=headers)
    again = client.post(URL, json=license_info(row), headers=headers)
    assert first.json()["code"] == again.json()["code"] == "VALID"
    assert again.headers.get("idempotent-replayed") == "true"


def test_json_content_type_variants_take_the_hot_path(ctx: Context, client: TestClient,
                                                      statements: list[str]) -> None:
    row = create_license(ctx)
    for content_type in ("application/json", "application/json; charset=utf-8",
                         "Application/JSON"):
        answer = client.post(URL, json=license_info(row),
                             headers={"Content-Type": content_type})
        assert answer.status_code == 200 and answer.json()["code"] == "VALID"
    assert ctx.validation_connection is not None


def test_the_hot_path_connection_is_read_only_at_the_database(ctx: Context,
                                                              client: TestClient) -> None:
    row = create_license(ctx)
    assert client.post(URL, json=license_info(row)).json()["code"] == "VALID"
    _pid, conn = ctx.validation_connection
    cursor = conn.dbapi_connection.cursor()
    with pytest.raises(conn.errors):
        cursor.execute("UPDATE licenses SET seats = 99")
    with pytest.raises(TypeError):
        conn.execute(update(LicenseRow).values(seats=99))  # type: ignore[arg-type]
    with ctx.db.engine.connect() as check:
        assert check.execute(text("SELECT seats FROM licenses")).scalar() == 3
