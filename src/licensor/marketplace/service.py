"""Marketplace migration: a direct server license asks to move to the marketplace; an
administrator completes it with the marketplace's license number (SEN)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from licensor.catalog.service import get_product, list_products
from licensor.core import audit, events, mail
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.licenses import queries as license_queries
from licensor.licenses.enums import LicenseStatus
from licensor.licenses.rules import check_sen
from licensor.licenses.service import (
    LicenseRow,
    check_email,
    current_license,
    final_successor,
    get_license,
    revoked_error,
    snapshot,
)
from licensor.marketplace import rules
from licensor.marketplace.models import MigrationRequestRow
from licensor.marketplace.repository import MigrationRepository

if TYPE_CHECKING:
    from collections.abc import Sequence

ADDRESS_REQUIRED = ("line1", "city", "postal_code", "country")


@dataclass
class MigrationInput:
    """A customer's request, as received (the API and CLI build it)."""

    license_name: str
    license_key: str
    hosting: str
    server_user_tier: int | None
    agree_to_upgrade: bool
    marketplace_email: str
    holder_first_name: str
    holder_last_name: str
    organisation: str
    address: dict[str, Any] = field(default_factory=dict)


def new_migration_id() -> str:
    return "mig_" + uuid.uuid4().hex


def _required(value: str | None, name: str, what: str) -> str:
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise LicensorError("INVALID_REQUEST", f"The field '{name}' is required: {what}.",
                            {"field": name})
    return cleaned




def _clean(data: MigrationInput) -> MigrationInput:
    """Every required field present and non-blank (422 naming the first one missing)."""
    address = {k: " ".join(str(v).split()) for k, v in data.address.items() if v is not None}
    for key in ADDRESS_REQUIRED:
        _required(address.get(key), f"address.{key}", "the organisation's full postal address "
                  "with its country")
    return MigrationInput(
        license_name=_required(data.license_name, "license_name", "the License Name exactly as "
                               "in your License Information"),
        license_key=_required(data.license_key, "license_key", "your current License Key"),
        hosting=data.hosting, server_user_tier=data.server_user_tier,
        agree_to_upgrade=data.agree_to_upgrade,
        marketplace_email=check_email(_required(data.marketplace_email, "marketplace_email",
                                                "the email of your marketplace account"),
                                      "marketplace_email"),
        holder_first_name=_required(data.holder_first_name, "holder_first_name",
                                    "the license holder's first name"),
        holder_last_name=_required(data.holder_last_name, "holder_last_name",
                                   "the license holder's last name"),
        organisation=_required(data.organisation, "organisation",
                               "the organisation that holds the license"),
        address=address)


def request_migration(ctx: Context, session: Session, data: MigrationInput, *, now: datetime,
                      actor: str = "public") -> MigrationRequestRow:
    data = _clean(data)
    if data.hosting != "server":
        raise LicensorError("CLOUD_NOT_ELIGIBLE", "Only self-hosted server licenses can move to "
                            "the marketplace. Cloud apps are bought on the marketplace directly.",
                            {"hosting": data.hosting})
    lic = current_license(ctx, session, data.license_name, data.license_key, for_update=True)
    product = get_product(session, lic.product)
    rules.check_product(product, rules.migratable_products(list_products(session)))
    if lic.channel == "marketplace":
        raise LicensorError("ALREADY_MARKETPLACE", "This license already belongs to the "
                            f"marketplace (SEN {lic.sen}); manage it at "
                            f"{product.marketplace_url}.",
                            {"license_id": lic.id, "sen": lic.sen, "url": product.marketplace_url})
    repo = MigrationRepository(session)
    existing = repo.open_for_license(lic.id, for_update=True)
    if existing is not None:
        raise LicensorError("MIGRATION_ALREADY_OPEN", "A migration request for this license is "
                            f"already open ({existing.id}, {existing.status}); wait for it to be "
                            "completed, or ask the vendor to reject it before asking again.",
                            {"migration_id": existing.id, "status": existing.status})
    rules.check_server_tier(product, data.server_user_tier)
    status = rules.status_for(lic.seats, data.server_user_tier, data.agree_to_upgrade)
    row = MigrationRequestRow(
        id=new_migration_id(), license_id=lic.id, requested_license_id=lic.id,
        open_license_id=lic.id, product=lic.product, status=status, hosting=data.hosting,
        license_seats=lic.seats, server_user_tier=data.server_user_tier,
        required_seats=data.server_user_tier, marketplace_email=data.marketplace_email,
        holder_first_name=data.holder_first_name, holder_last_name=data.holder_last_name,
        organisation=data.organisation, address=data.address, created_at=now, updated_at=now)
    repo.add(row)
    audit.record(session, actor=actor, action="migration.requested", entity_type="migration",
                 entity_id=row.id, before=None, after=record_of(row), now=now)
    _mail(session, lic, row, "Your marketplace migration request", _ack_text(lic, row,
                                                                            product.name), now)
    # migration.requested(migration: MigrationRequestRow)
    events.emit(ctx, session, now, "migration.requested", migration=row)
    return row


def get_migration(session: Session, migration_id: str, *,
                  for_update: bool = False) -> MigrationRequestRow:
    row = MigrationRepository(session).get(migration_id, for_update=for_update)
    if row is None:
        raise LicensorError("MIGRATION_NOT_FOUND", f"No migration request {migration_id}; "
                            "GET /v1/migrations lists them.", {"migration_id": migration_id})
    return row


def complete(ctx: Context, session: Session, migration_id: str, sen: str | None, *,
             now: datetime, actor: str) -> tuple[MigrationRequestRow, LicenseRow]:
    """The marketplace has issued its license: record the SEN, switch the channel, tell them."""
    sen = check_sen(sen)
    row = get_migration(session, migration_id, for_update=True)
    if row.status != rules.PENDING:
        raise LicensorError("MIGRATION_NOT_PENDING", f"This request is {row.status}; only a "
                            "pending request can be completed"
                            + (" (it waits for the customer's upgrade)."
                               if row.status == rules.AWAITING_UPGRADE else "."),
                            {"migration_id": row.id, "status": row.status})
    lic = get_license(session, row.license_id, for_update=True)
    if lic.status != LicenseStatus.ACTIVE:
        if lic.status == LicenseStatus.REVOKED:
            raise revoked_error(lic.id)
        raise LicensorError("LICENSE_SUPERSEDED", "The license of this request was replaced by "
                            "a newer one; reject the request and ask the customer for their "
                            "current License Information.",
                            {"license_id": lic.id, "superseded_by": final_successor(session, lic.id)})
    if lic.channel == "marketplace":
        raise LicensorError("ALREADY_MARKETPLACE", "This license already belongs to the "
                            f"marketplace (SEN {lic.sen}); reject this request.",
                            {"license_id": lic.id, "sen": lic.sen})
    holder = license_queries.license_id_with_sen(session, sen)
    if holder is not None:
        raise LicensorError("SEN_IN_USE", f"SEN {sen} already belongs to license {holder}; "
                            "check the number the marketplace issued.",
                            {"field": "sen", "license_id": holder}, status=409)
    before_license, before = snapshot(lic), record_of(row)
    lic.channel, lic.sen = "marketplace", sen
    lic.version += 1  # outstanding quotes on the direct license go stale
    row.status, row.sen, row.open_license_id = rules.COMPLETED, sen, None
    row.updated_at = row.closed_at = now
    row.closed_by = actor
    session.flush()
    audit.record(session, actor=actor, action="license.moved_to_marketplace",
                 entity_type="license", entity_id=lic.id, before=before_license,
                 after={**snapshot(lic), "migration_id": row.id}, now=now)
    audit.record(session, actor=actor, action="migration.completed", entity_type="migration",
                 entity_id=row.id, before=before, after=record_of(row), now=now)
    product = get_product(session, lic.product)
    _mail(session, lic, row, f"Your license is now on the marketplace: {sen}",
          _completed_text(lic, row, product.name, product.marketplace_url), now)
    # license.moved_to_marketplace(license=LicenseRow, migration=MigrationRequestRow)
    events.emit(ctx, session, now, "license.moved_to_marketplace", license=lic, migration=row)
    # migration.completed(migration: MigrationRequestRow)
    events.emit(ctx, session, now, "migration.completed", migration=row)
    return row, lic


def reject(ctx: Context, session: Session, migration_id: str, reason: str, *, now: datetime,
           actor: str) -> MigrationRequestRow:
    """Close an open request without migrating (wrong data, customer's wish...)."""
    reason = _required(reason, "reason", "why the request is rejected, told to the customer")
    row = get_migration(session, migration_id, for_update=True)
    if row.status not in rules.OPEN_STATUSES:
        raise LicensorError("MIGRATION_NOT_PENDING", f"This request is already {row.status}; "
                            "only an open request can be rejected.",
                            {"migration_id": row.id, "status": row.status})
    before = record_of(row)
    _close(row, rules.REJECTED, reason, now, actor)
    audit.record(session, actor=actor, action="migration.rejected", entity_type="migration",
                 entity_id=row.id, before=before, after=record_of(row), now=now)
    lic = get_license(session, row.license_id)
    _mail(session, lic, row, "Your marketplace migration request was not completed",
          _rejected_text(lic, row), now)
    # migration.rejected(migration: MigrationRequestRow)
    events.emit(ctx, session, now, "migration.rejected", migration=row)
    return row


def _close(row: MigrationRequestRow, status: str, reason: str, now: datetime,
           actor: str) -> None:
    row.status, row.reason, row.open_license_id = status, reason, None
    row.updated_at = row.closed_at = now
    row.closed_by = actor


def statuses_for(status: str) -> list[str] | None:
    """The statuses a list filter names: open (the default), all, or one status."""
    if status == "open":
        return list(rules.OPEN_STATUSES)
    if status == "all":
        return None
    if status not in rules.STATUSES:
        raise LicensorError("INVALID_REQUEST", "status must be one of open, all, "
                            f"{', '.join(rules.STATUSES)}.", {"field": "status"})
    return [status]


def page(session: Session, statuses: Sequence[str] | None, *, limit: int,
         after: tuple[datetime, str] | None = None) -> Sequence[MigrationRequestRow]:
    return MigrationRepository(session).page(statuses, limit=limit, after=after)


# -- an upgrade paid while a request waits moves the request along --------------------------

@events.on("license.upgraded")
def _follow_upgrade(ctx: Context, session: Session, now: datetime, *, old: LicenseRow,
                    new: LicenseRow, **payload: Any) -> None:
    repo = MigrationRepository(session)
    row = repo.open_for_license(old.id, for_update=True)
    if row is None:
        return
    before = record_of(row)
    status = rules.status_after_upgrade(new.seats, row.required_seats)
    row.license_id, row.license_seats, row.updated_at = new.id, new.seats, now
    if status == rules.REJECTED:
        _close(row, status, f"The license was upgraded to {rules.users(new.seats)}, "
               f"more than the server's tier of {rules.users(row.required_seats)}; ask again "
               "with the server's current user tier.", now, "system")
    else:
        row.status, row.open_license_id = status, new.id
    session.flush()
    audit.record(session, actor="system", action="migration.license_upgraded",
                 entity_type="migration", entity_id=row.id, before=before,
                 after={**record_of(row), "order_id": getattr(payload.get("order"), "id", None)},
                 now=now)
    if status == rules.PENDING:
        _mail(session, new, row, "Your marketplace migration request is ready",
              "Thank you for your upgrade. Your license now matches your server's user tier, "
              f"so migration request {row.id} is pending: we will complete it with the "
              "marketplace and email you the marketplace license number (SEN).\n", now)
    elif status == rules.REJECTED:
        _mail(session, new, row, "Your marketplace migration request was closed",
              _rejected_text(new, row), now)


@events.on("order.refunded")
def _follow_refunded_upgrade(ctx: Context, session: Session, now: datetime, *, order: Any,
                             quote: Any, **_payload: Any) -> None:
    """Refunding an upgrade restores the previous license: an open request goes back to it."""
    if quote.kind != "upgrade" or not quote.license_id or not order.license_id:
        return
    row = MigrationRepository(session).open_for_license(order.license_id, for_update=True)
    if row is None:
        return
    restored = get_license(session, quote.license_id)
    before = record_of(row)
    row.license_id, row.open_license_id = restored.id, restored.id
    row.license_seats, row.updated_at = restored.seats, now
    row.status = rules.status_after_upgrade(restored.seats, row.required_seats)
    session.flush()
    audit.record(session, actor="system", action="migration.upgrade_refunded",
                 entity_type="migration", entity_id=row.id, before=before,
                 after={**record_of(row), "order_id": order.id}, now=now)


# -- views and mail ----------------------------------------------------------------------------

def record_of(row: MigrationRequestRow) -> dict[str, Any]:
    """What the audit log keeps of a request."""
    return {"license_id": row.license_id, "status": row.status, "hosting": row.hosting,
            "license_seats": row.license_seats, "server_user_tier": row.server_user_tier,
            "required_seats": row.required_seats, "marketplace_email": row.marketplace_email,
            "holder": f"{row.holder_first_name} {row.holder_last_name}",
            "organisation": row.organisation, "address": row.address, "sen": row.sen,
            "reason": row.reason}


def _recipients(lic: LicenseRow, row: MigrationRequestRow) -> list[str]:
    """The license's buyer (who must hear of any move of their license) and the marketplace
    account that will hold it."""
    out = [lic.email]
    if row.marketplace_email.casefold() != lic.email.casefold():
        out.append(row.marketplace_email)
    return out


def _mail(session: Session, lic: LicenseRow, row: MigrationRequestRow, subject: str, body: str,
          now: datetime) -> None:
    for to in _recipients(lic, row):
        mail.enqueue_mail(session, "notice", to=to, now=now, subject=subject,
                          paragraphs=body.strip().split("\n\n"))


def _ack_text(lic: LicenseRow, row: MigrationRequestRow, product_name: str) -> str:
    head = (f"We received your request {row.id} to move your {product_name} license "
            f"\"{lic.license_name}\" ({rules.users(lic.seats)}) to the marketplace "
            f"account {row.marketplace_email}, held by {row.holder_first_name} "
            f"{row.holder_last_name} of {row.organisation}.\n\n")
    if row.status == rules.AWAITING_UPGRADE:
        return head + (
            f"Your server's user tier is {rules.users(row.required_seats)}, and a "
            "marketplace license must match it. Order the upgrade of this license to "
            f"{rules.users(row.required_seats)} with your current License "
            "Information; once it is paid, the request proceeds by itself.\n")
    return head + ("We will complete it with the marketplace and email you the marketplace "
                   "license number (SEN).\n")


def _completed_text(lic: LicenseRow, row: MigrationRequestRow, product_name: str,
                    url: str | None) -> str:
    return (f"Your {product_name} license \"{lic.license_name}\" "
            f"({rules.users(lic.seats)}) now belongs to the marketplace.\n\n"
            f"Marketplace license number (SEN): {row.sen}\n"
            f"Marketplace account: {row.marketplace_email}\n\n"
            "Upgrades and maintenance renewals of this license are now made on the marketplace"
            + (f" at {url}" if url else "") + ".\n")


def _rejected_text(lic: LicenseRow, row: MigrationRequestRow) -> str:
    return (f"Your request {row.id} to move the license \"{lic.license_name}\" to the "
            f"marketplace was closed without moving it.\n\nReason: {row.reason}\n\n"
            "Your license stays direct and keeps working as before.\n")
