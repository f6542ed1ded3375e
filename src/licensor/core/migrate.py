"""Alembic, driven from code: `licensor db upgrade` and every start apply pending migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from licensor.core.db import create_owner_only

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    create_owner_only(url)  # before Alembic's engine creates the file with the umask's mode
    # "heads": capabilities may add migration branches side by side.
    command.upgrade(alembic_config(url), "heads")


def revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)
