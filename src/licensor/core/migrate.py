"""Alembic, driven from code: `licensor db upgrade` and every start apply pending migrations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from licensor.core.db import create_owner_only

if TYPE_CHECKING:  # Alembic is imported when migrations run, not by every command
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    create_owner_only(url)  # before Alembic's engine creates the file with the umask's mode
    from alembic import command

    # "heads": capabilities may add migration branches side by side.
    command.upgrade(alembic_config(url), "heads")


def revision(url: str, message: str) -> None:
    from alembic import command

    command.revision(alembic_config(url), message=message, autogenerate=True)
