"""Argon2's cost: production's default unless LICENSOR_PASSWORD_HASH_COST says "minimum" (what
the test fixtures set, so the suite does not spend minutes hashing)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import extract_parameters, profiles

from licensor.accounts import service as accounts
from licensor.config import Settings
from licensor.core import passwords
from licensor.core.context import Context, build_context
from tests.conftest import make_settings

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def sign_up(ctx: Context, email: str) -> str:
    with ctx.db.transaction() as session:
        row, _ = accounts.create_account(session, email=email, name="Ana", password="pw-secret",
                                         now=NOW)
        return row.password_hash


def test_production_uses_argon2s_default_cost(ctx: Context, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LICENSOR_PASSWORD_HASH_COST", raising=False)
    settings = Settings(home=tmp_path / "prod", database_url=ctx.db.url)
    assert settings.password_hash_cost == "default"
    try:
        build_context(settings, db=ctx.db)
        stored = extract_parameters(sign_up(ctx, "prod@acme.test"))
        assert stored == profiles.RFC_9106_LOW_MEMORY
        assert (stored.time_cost, stored.memory_cost, stored.parallelism) == (3, 65536, 4)
        said = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
        assert "**3 passes over 64 MiB with 4 lanes**" in said  # what docs/security.md says
        assert stored.memory_cost == 64 * 1024  # KiB
        assert passwords.hasher().verify(passwords.dummy_hash(), "not-a-password")
    finally:
        passwords.configure(ctx.settings.password_hash_cost)


def test_tests_hash_at_the_minimum_and_log_in_rehashes_to_the_default(ctx: Context,
                                                                       tmp_path: Path) -> None:
    assert ctx.settings.password_hash_cost == "minimum"
    cheap = sign_up(ctx, "cheap@acme.test")
    assert extract_parameters(cheap) == profiles.CHEAPEST
    try:
        build_context(make_settings(tmp_path / "prod", ctx.db.url,
                                    password_hash_cost="default"), db=ctx.db)
        with ctx.db.transaction() as session:
            accounts.log_in(session, email="cheap@acme.test", password="pw-secret", now=NOW)
        with ctx.db.transaction() as session:
            row = accounts.account_by_email(session, "cheap@acme.test")
            assert row is not None
            assert extract_parameters(row.password_hash) == profiles.RFC_9106_LOW_MEMORY
    finally:
        passwords.configure(ctx.settings.password_hash_cost)
