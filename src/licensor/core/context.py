"""Everything a service needs besides the session, built once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from licensor.config import Settings
from licensor.core.clock import Clock
from licensor.core.db import Database
from licensor.core.mail import Mailer
from licensor.core.signing import Keyring


@dataclass
class Context:
    settings: Settings
    db: Database
    clock: Clock
    keyring: Keyring
    mailer: Mailer
    # Capabilities hang their own long-lived helpers here (payment processor, caches...).
    extras: dict[str, Any] = field(default_factory=dict)


def build_context(settings: Settings, db: Database | None = None) -> Context:
    settings.home.mkdir(mode=0o700, parents=True, exist_ok=True)  # keys, mail, the database
    database = db or Database(settings.resolved_database_url)
    return Context(
        settings=settings,
        db=database,
        clock=Clock(settings.sandbox),
        keyring=Keyring(settings.keys_dir),
        mailer=Mailer(settings.smtp_url, settings.mail_dir, settings.mail_from,
                      timeout=settings.smtp_timeout),
    )
