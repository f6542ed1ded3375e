"""0012_mail_claims gives the rows of an existing outbox their status: sent, still to send, or
failed (the ones the old sender gave up on after 10 attempts without telling anyone)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from licensor.core.migrate import alembic_config, upgrade


def test_existing_outbox_rows_get_their_status(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0001_foundation")
    engine = create_engine(url)
    with engine.begin() as conn:
        for id_, sent_at, attempts in (("sent", "2026-01-01 00:00:00", 1), ("pending", None, 3),
                                       ("given-up", None, 10)):
            conn.execute(text("INSERT INTO mail_outbox (id, to_addr, subject, body, created_at, "
                              "sent_at, attempts) VALUES (:id, 'a@b.test', 's', 'b', "
                              "'2026-01-01 00:00:00', :sent_at, :attempts)"),
                         {"id": id_, "sent_at": sent_at, "attempts": attempts})
    upgrade(url)
    with engine.connect() as conn:
        status = dict(conn.execute(text("SELECT id, status FROM mail_outbox")).all())
    engine.dispose()
    assert status == {"sent": "sent", "pending": "queued", "given-up": "failed"}
