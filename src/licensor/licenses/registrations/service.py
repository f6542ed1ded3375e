"""Named users on a license: the same user is the same seat; a full license refuses newcomers."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from licensor.core import audit, events
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.licenses.models import RegistrationRow
from licensor.licenses.repository import RegistrationRepository
from licensor.licenses.rules import check_seat_free
from licensor.licenses.service import license_of_key


def user_key(user: str) -> str:
    return " ".join(user.split()).casefold()


def check_user(user: str) -> str:
    cleaned = " ".join(user.split())
    if not cleaned or len(cleaned) > 320:
        raise LicensorError("INVALID_REQUEST", "user must name the person (1 to 320 characters), "
                            "for example their email address.", {"field": "user"})
    return cleaned


def register(ctx: Context, session: Session, *, license_name: str, license_key: str, user: str,
             now: datetime, actor: str = "public") -> tuple[RegistrationRow, bool]:
    """Register `user`; returns (registration, created). The same user again is the same seat."""
    user = check_user(user)
    row, current = license_of_key(ctx, session, license_name, license_key, for_update=True)
    repo = RegistrationRepository(session)
    existing = repo.find(row.id, user_key(user))
    if existing is not None:
        return existing, False
    if not current:
        raise LicensorError("LICENSE_SUPERSEDED", "This License Key was replaced by a newer one "
                            "(an upgrade or renewal). Users already registered keep working; "
                            "register new users with the new License Information.",
                            {"superseded_by": row.id})
    check_seat_free(row.seats, repo.count(row.id))
    reg = RegistrationRow(id=str(uuid.uuid4()), license_id=row.id, user=user,
                          user_key=user_key(user), created_at=now)
    session.add(reg)
    session.flush()
    audit.record(session, actor=actor, action="registration.created", entity_type="license",
                 entity_id=row.id, before=None, after={"user": user, "registration": reg.id},
                 now=now)
    # registration.created(registration: RegistrationRow)
    events.emit(ctx, session, now, "registration.created", registration=reg)
    return reg, True


def unregister(ctx: Context, session: Session, *, license_name: str, license_key: str, user: str,
               now: datetime, actor: str = "public") -> RegistrationRow:
    user = check_user(user)
    row, _current = license_of_key(ctx, session, license_name, license_key, for_update=True)
    reg = RegistrationRepository(session).find(row.id, user_key(user))
    if reg is None:
        raise LicensorError("NOT_REGISTERED", f"{user} is not registered on this license; "
                            "nothing to unregister.", {"user": user})
    session.delete(reg)
    session.flush()
    audit.record(session, actor=actor, action="registration.deleted", entity_type="license",
                 entity_id=row.id, before={"user": reg.user, "registration": reg.id}, after=None,
                 now=now)
    # registration.deleted(registration: RegistrationRow), deleted already (its fields remain)
    events.emit(ctx, session, now, "registration.deleted", registration=reg)
    return reg


def move_registrations(session: Session, from_license: str, to_license: str) -> int:
    """An upgrade's users keep working: their seats move to the license for the total."""
    regs = RegistrationRepository(session).for_license(from_license)
    for reg in regs:
        reg.license_id = to_license
    session.flush()
    return len(regs)
