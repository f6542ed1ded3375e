"""What a license's holder does with their License Information in hand (the /license page):
see the license and its registered users, free a seat, have the License Information sent
again to the address it was bought with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from licensor.core import mail
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.licenses import service as licenses
from licensor.licenses.models import LicenseRow, RegistrationRow
from licensor.licenses.repository import LostKeyMailRepository, RegistrationRepository


def registered_users(session: Session, row: LicenseRow) -> Sequence[RegistrationRow]:
    return RegistrationRepository(session).for_license(row.id)


def resend(session: Session, row: LicenseRow, product_name: str, now: datetime) -> str:
    """Mail the License Information to the address it was bought with (never to another, so
    knowing a key gives no one else a copy); counted with lost-key mails, so an address gets at
    most LOST_KEY_MAILS_PER_HOUR of them an hour. Returns that address."""
    email_key = row.email.casefold()
    sent = LostKeyMailRepository(session)
    if sent.count_since(email_key, now - timedelta(hours=1)) >= licenses.LOST_KEY_MAILS_PER_HOUR:
        raise LicensorError("RESEND_LIMIT_REACHED", "The License Information was already sent "
                            f"{licenses.LOST_KEY_MAILS_PER_HOUR} times this hour; check the "
                            "inbox (and spam folder) of the address it was bought with, or try "
                            "again in an hour.", {"license_id": row.id}, status=429)
    mail.enqueue_mail(session, "resend", to=row.email, now=now,
                      license_information=licenses.license_information_text(row, product_name))
    sent.add(email_key, now)
    return row.email


def masked(email: str) -> str:
    """a•••@example.com: enough for the holder to recognise, not to harvest."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def lookup(ctx: Context, session: Session, name: str, key: str) -> tuple[LicenseRow, bool]:
    return licenses.license_of_key(ctx, session, name, key)
