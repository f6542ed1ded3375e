"""GET /v1/revocations: a signed list of the licenses that no longer validate, stored so every
worker serves the same document, re-signed only when it changes, verifiable offline."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from licensor.config import Settings
from licensor.core.context import Context, build_context
from licensor.licenses.revocations import service as revocations
from licensor.verify import REVOKED, VALID, Verifier, public_keys_from_json
from licensor.verify.revocations import (
    CURRENT,
    DEFAULT_GRACE,
    FORMAT,
    ROLLED_BACK,
    STALE,
    decode_base64url,
)
from tests.builders import create_license, license_info, race
from tests.orders.helpers import buy


def fetch(client: TestClient) -> dict[str, Any]:
    response = client.get("/v1/revocations")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    document: dict[str, Any] = response.json()
    return document


def payload(document: dict[str, Any]) -> dict[str, Any]:
    raw = decode_base64url(document["payload"])
    assert raw is not None
    data: dict[str, Any] = json.loads(raw)
    return data


def another_worker(ctx: Context) -> Context:
    """A second server process on the same database: its own keyring and caches."""
    settings: Settings = ctx.settings
    return build_context(settings, db=ctx.db)


def stored(ctx: Context) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(revocations.current_document(another_worker(ctx)))
    return document


def revoke(client: TestClient, admin: dict[str, str], license_id: str) -> None:
    response = client.post(f"/v1/licenses/{license_id}/revoke", json={"reason": "leaked"},
                           headers=admin)
    assert response.status_code == 200, response.text


def test_the_list_is_signed_and_self_contained(ctx: Context, client: TestClient) -> None:
    document = fetch(client)
    assert set(document) == {"format", "kid", "payload", "signature"}
    assert document["format"] == FORMAT
    data = payload(document)
    assert data["licenses"] == [] and data["sequence"] >= 1
    issued = time.mktime(time.strptime(data["issued_at"], "%Y-%m-%dT%H:%M:%SZ"))
    due = time.mktime(time.strptime(data["next_update"], "%Y-%m-%dT%H:%M:%SZ"))
    assert due - issued == 7 * 24 * 3600
    verifier = Verifier(public_keys_from_json(client.get("/v1/signing-keys").json()))
    result = verifier.check_revocation_list(document, now=time.time())
    assert result.code == CURRENT and result.revocations is not None
    assert result.revocations.sequence == data["sequence"]


def test_sequence_grows_on_revoke_and_refund_and_stays_otherwise(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    first = fetch(client)
    start = payload(first)["sequence"]
    assert stored(ctx) == first  # every worker serves the stored document
    kept = create_license(ctx, license_name="Kept Co")
    create_license(ctx, license_name="Another Co")
    assert stored(ctx) == first  # new licenses change nothing: not re-signed
    revoke(client, admin, kept.id)
    after_revoke = fetch(client)
    assert payload(after_revoke)["sequence"] == start + 1
    assert payload(after_revoke)["licenses"] == [kept.id]
    assert stored(ctx) == after_revoke
    assert fetch(client) == after_revoke  # nothing changed since: the same bytes

    refunded = buy(client, kind="new", product="desktop", seats=1)
    assert stored(ctx) == after_revoke
    response = client.post(f"/v1/orders/{refunded['id']}/refund", headers=admin)
    assert response.status_code == 200, response.text
    after_refund = fetch(client)
    assert payload(after_refund)["sequence"] == start + 2
    assert payload(after_refund)["licenses"] == sorted([kept.id,
                                                        refunded["licenses"][0]["id"]])


def test_superseded_licenses_are_not_listed(ctx: Context, client: TestClient,
                                            admin: dict[str, str]) -> None:
    old = create_license(ctx, seats=1)
    before = fetch(client)
    done = buy(client, kind="upgrade", seats=5, **license_info(old))
    assert client.get(f"/v1/licenses/{old.id}", headers=admin).json()["status"] == "superseded"
    assert stored(ctx) == before  # an upgrade changes nothing the list shows
    assert payload(fetch(client))["licenses"] == []
    # Refunding the upgrade revokes the new license and restores the old one.
    assert client.post(f"/v1/orders/{done['id']}/refund", headers=admin).status_code == 200
    assert payload(fetch(client))["licenses"] == [done["licenses"][0]["id"]]


def test_a_revoked_key_is_refused_offline_from_a_saved_file(
        ctx: Context, client: TestClient, admin: dict[str, str], tmp_path: Path) -> None:
    keys_file, list_file = tmp_path / "keys.json", tmp_path / "revocations.json"
    keys_file.write_text(client.get("/v1/signing-keys").text)
    leaked, fine = create_license(ctx, license_name="Leaked Co"), create_license(ctx)
    old_list = client.get("/v1/revocations").text
    revoke(client, admin, leaked.id)
    list_file.write_text(client.get("/v1/revocations").text)
    # Later, offline: only the two files.
    verifier = Verifier(public_keys_from_json(json.loads(keys_file.read_text())))
    check = verifier.check_revocation_list(list_file.read_text(), now=time.time())
    assert check.code == CURRENT and check.revocations is not None
    verdict = verifier.verify("Leaked Co", leaked.license_key, revocations=check.revocations)
    assert verdict.code == REVOKED and not verdict.valid
    assert verifier.verify("Acme Inc", fine.license_key,
                           revocations=check.revocations).code == VALID
    # A list older than one the app has seen is refused (someone put back an old file).
    sequence = check.revocations.sequence
    assert verifier.check_revocation_list(old_list, now=time.time(),
                                          last_sequence=sequence).code == ROLLED_BACK
    assert verifier.check_revocation_list(list_file.read_text(), now=time.time(),
                                          last_sequence=sequence).code == CURRENT
    # Past next_update plus the grace period: stale, but what it lists stays revoked.
    late = check.revocations.next_update + DEFAULT_GRACE + 1
    stale = verifier.check_revocation_list(list_file.read_text(), now=late)
    assert stale.code == STALE and leaked.id in stale.revocations  # type: ignore[operator]


def test_re_signed_once_a_day_even_without_changes(ctx: Context, client: TestClient) -> None:
    first = payload(fetch(client))
    with ctx.db.transaction() as session:
        revocations.sign_document(ctx, session, ctx.clock.real_now() + timedelta(hours=23))
    assert payload(stored(ctx)) == first
    with ctx.db.transaction() as session:
        revocations.sign_document(ctx, session, ctx.clock.real_now() + timedelta(days=1, minutes=1))
    assert payload(stored(ctx))["sequence"] == first["sequence"] + 1


def test_after_a_rotation_the_list_is_re_signed_with_the_new_key(
        ctx: Context, client: TestClient, admin: dict[str, str]) -> None:
    first = fetch(client)
    new_kid = client.post("/v1/signing-keys/rotate", headers=admin).json()["kid"]
    document = stored(ctx)
    assert document["kid"] == new_kid != first["kid"]
    assert payload(document)["sequence"] == payload(first)["sequence"] + 1


def test_workers_re_signing_at_once_sign_once(ctx: Context, client: TestClient,
                                              admin: dict[str, str]) -> None:
    start = payload(fetch(client))["sequence"]
    revoke(client, admin, create_license(ctx).id)
    workers = [another_worker(ctx) for _ in range(6)]
    documents = race(len(workers), lambda i: revocations.current_document(workers[i]))
    assert all(isinstance(d, bytes) for d in documents), documents
    assert len(set(documents)) == 1
    assert payload(json.loads(documents[0]))["sequence"] == start + 1


def test_cli_exports_the_list(ctx: Context, client: TestClient, admin: dict[str, str],
                              cli: Any, tmp_path: Path) -> None:
    revoke(client, admin, create_license(ctx).id)
    served = fetch(client)
    out = tmp_path / "app" / "revocations.json"
    out.parent.mkdir()
    printed = cli("revocations", "export", str(out))
    assert "sequence" in printed
    assert json.loads(out.read_text()) == served


def test_cli_export_into_a_missing_directory_says_so(ctx: Context, cli: Any,
                                                     tmp_path: Path) -> None:
    out = cli("revocations", "export", str(tmp_path / "no" / "such" / "dir.json"), code=2)
    assert "FILE_NOT_WRITTEN" in out and "directory exists" in out
