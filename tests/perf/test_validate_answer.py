"""The hot path writes its answer's JSON itself (licenses/validation.py): byte for byte the
body, and so the signature, that `signed_answers.sign_with` gives for `licenses.validate`'s
verdict, for every verdict and every kind of license and nonce."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text, update

from licensor.core import signed_answers
from licensor.core.context import Context
from licensor.licenses import service, validation
from licensor.licenses.models import LicenseRow
from tests.builders import create_license, license_info

ISSUED_AT = "2026-12-07T23:30:00Z"
NONCES = [None, "", "n0", 'quote " back\\slash </script>', "Zoë ✓ \u2028 \x01", "n" * 128]


@pytest.fixture(autouse=True)
def _closed(ctx: Context) -> Iterator[None]:
    """The hot path's read-only connection never goes back to the pool (the app closes it)."""
    yield
    validation.close(ctx)


def assert_alike(ctx: Context, info: dict[str, str], product: str | None = None) -> str:
    conn = validation._connection(ctx)
    for nonce in NONCES:
        hot = validation._signed(ctx, conn, info["license_name"], info["license_key"], product,
                                 nonce, ISSUED_AT)
        verdict = service.validate(ctx, conn, info["license_name"],  # type: ignore[arg-type]
                                   info["license_key"], product)
        kid, key = ctx.keyring.answer_signer(conn)  # type: ignore[arg-type]
        assert hot == signed_answers.sign_with(kid, key, validation.PATH, verdict.to_json(),
                                               nonce, ISSUED_AT)
    return verdict.code


def test_every_verdict_is_written_as_the_route_writes_it(ctx: Context) -> None:
    info = license_info(create_license(ctx, license_name="Zoë & Søn \"Ltd\""))
    assert assert_alike(ctx, info) == "VALID"
    assert assert_alike(ctx, info, "desktop") == "VALID"
    assert assert_alike(ctx, info, "server") == "PRODUCT_MISMATCH"
    assert assert_alike(ctx, {**info, "license_name": "Someone Else"}) == "NAME_MISMATCH"
    assert assert_alike(ctx, {**info, "license_key": "AAAA-BBBB"}) == "MALFORMED"
    key = info["license_key"]
    tampered = key[:-3] + ("A" if key[-3] != "A" else "B") + key[-2:]
    assert assert_alike(ctx, {**info, "license_key": tampered}) == "BAD_SIGNATURE"


def test_every_kind_of_license_is_written_as_the_route_writes_it(ctx: Context) -> None:
    assert assert_alike(ctx, license_info(create_license(ctx, seats=1000))) == "VALID"
    maintained = create_license(ctx, license_name="Kept Co")
    with ctx.db.transaction() as session:  # unlimited seats, no maintenance end, a major version
        session.execute(update(LicenseRow).where(LicenseRow.id == maintained.id).values(
            seats=None, maintenance_until=None, major_version=7))
    assert assert_alike(ctx, license_info(maintained)) == "VALID"
    revoked = create_license(ctx, license_name="Revoked Co")
    with ctx.db.transaction() as session:
        session.execute(update(LicenseRow).where(LicenseRow.id == revoked.id)
                        .values(status="revoked"))
    assert assert_alike(ctx, license_info(revoked)) == "REVOKED"
    old, new = create_license(ctx, license_name="Grown Co"), create_license(ctx)
    with ctx.db.transaction() as session:
        session.execute(update(LicenseRow).where(LicenseRow.id == old.id)
                        .values(status="superseded", superseded_by=new.id))
    assert assert_alike(ctx, license_info(old)) == "SUPERSEDED"
    renewed = create_license(ctx, license_name="Renewed Co")
    with ctx.db.transaction() as session:  # re-issued since: the key is an earlier one
        session.execute(update(LicenseRow).where(LicenseRow.id == renewed.id).values(
            issued_at=renewed.issued_at + timedelta(days=1)))
    assert assert_alike(ctx, license_info(renewed)) == "SUPERSEDED"
    gone = create_license(ctx, license_name="Gone Co")
    with ctx.db.transaction() as session:
        session.execute(text("DELETE FROM licenses WHERE id = :id"), {"id": gone.id})
    assert assert_alike(ctx, license_info(gone)) == "UNKNOWN_KEY"
