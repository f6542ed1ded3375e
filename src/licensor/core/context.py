"""Everything a service needs besides the session, built once per process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from licensor.config import Settings
from licensor.core import formats, mail_templates, passwords
from licensor.core.clock import Clock
from licensor.core.db import Database
from licensor.core.mail import Mailer
from licensor.core.payment_processor import PaymentProcessor
from licensor.core.secrets import Secrets, ensure_home
from licensor.core.signing import Keyring


@dataclass(frozen=True)
class CachedBody:
    """An answer body this process made at monotonic time `at` (a forked worker has its own)."""

    pid: int
    at: float
    body: bytes


@dataclass
class Context:
    settings: Settings
    db: Database
    clock: Clock
    keyring: Keyring
    mailer: Mailer
    secrets: Secrets
    # Long-lived helpers made on first use, one slot each (tests put stand-ins in them):
    # the payment processor chosen by configuration (payments.processor_for);
    payments: PaymentProcessor | None = None
    # the validate hot path's read-only connection, with the pid that opened it
    # (licenses.validation; a licenses type, so core holds it as Any);
    validation_connection: tuple[int, Any] | None = None
    # this process's copy of the signed revocation list (licenses.revocations);
    revocation_list: CachedBody | None = None
    # the webhook deliveries' background sender (webhooks.service.Sender).
    webhook_sender: Any = None


def build_context(settings: Settings, db: Database | None = None) -> Context:
    ensure_home(settings.home)  # the database, mail, a single host's key-encryption key
    shared = Secrets(settings)
    database = db or Database(settings.resolved_database_url)
    mail_templates.configure(settings.brand, settings.vendor_contact, settings.public_url,
                             settings.brand_color)
    formats.configure(settings.locale, settings.date_format)
    passwords.configure(settings.password_hash_cost)
    return Context(
        settings=settings,
        db=database,
        clock=Clock(settings.sandbox),
        keyring=Keyring(settings.keys_dir, shared),
        mailer=Mailer(settings.smtp_url, settings.mail_dir, settings.sender,
                      timeout=settings.smtp_timeout),
        secrets=shared,
    )
