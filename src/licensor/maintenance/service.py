"""Maintenance and updates: releases, the update check, renewing a license's maintenance,
and reminders before it ends.

"Update" = installing a newer version (governed by maintenance); "upgrade" = buying more
users (orders). The date and price rules live in maintenance/rules.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from licensor.catalog import service as catalog
from licensor.catalog.rules import Product
from licensor.core import audit, events, mail
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.formats import human_date
from licensor.core.jobs import job
from licensor.core.web.views import iso
from licensor.licenses import queries as license_queries
from licensor.licenses import service as licenses
from licensor.licenses.service import LicenseRow
from licensor.maintenance import rules
from licensor.maintenance.models import MaintenanceReminderRow, ReleaseRow
from licensor.maintenance.repository import ReleaseRepository, ReminderRepository
from licensor.maintenance.schemas import ReleaseEntry
from licensor.maintenance.versions import parse_version

REMINDER_LEAD = timedelta(days=30)


# -- releases -----------------------------------------------------------------------------------

def default_releases() -> dict[str, list[dict[str, str]]]:
    text = resources.files("licensor").joinpath("data/releases.json").read_text("utf-8")
    releases: dict[str, list[dict[str, str]]] = json.loads(text)["releases"]
    return releases


def load_default_releases(session: Session, now: datetime) -> int:
    """The default release history, once, into a database without any release; only for
    products of the catalog (a vendor's own catalog without these codes gets none)."""
    repo = ReleaseRepository(session)
    if repo.count():
        return 0
    known = {product.code for product in catalog.list_products(session)}
    loaded = 0
    for code, items in default_releases().items():
        if code not in known:
            continue
        for item in items:
            version = parse_version(item["version"])
            released = datetime.fromisoformat(item["released_at"])
            session.add(ReleaseRow(product=code, version=str(version), major=version.major,
                                   released_at=released, created_at=now, updated_at=now))
            loaded += 1
    session.flush()
    return loaded


def get_release(session: Session, product_code: str, version_text: str) -> ReleaseRow:
    """A release of the product; 404 UNKNOWN_VERSION when there is none."""
    product = catalog.get_product(session, product_code)  # 404 UNKNOWN_PRODUCT
    version = parse_version(version_text)
    row = ReleaseRepository(session).get(product.code, str(version))
    if row is None:
        raise LicensorError("UNKNOWN_VERSION", f"{product.name} has no release {version}; "
                            "create it first (PUT /v1/products/{code}/releases/{version}).",
                            {"product": product.code, "version": str(version)})
    return row


def check_channel(channel: str) -> str:
    if channel not in rules.CHANNELS:
        raise LicensorError("INVALID_REQUEST", f"channel must be one of {', '.join(rules.CHANNELS)}.",
                            {"field": "channel"})
    return channel


def list_releases(session: Session, product_code: str,
                  after: str | None = None) -> list[ReleaseRow]:
    """The product's releases, oldest version first (semantic order, not text order), those
    after version `after` only when given."""
    catalog.get_product(session, product_code)  # 404 UNKNOWN_PRODUCT
    rows = sorted(ReleaseRepository(session).for_product(product_code),
                  key=lambda r: parse_version(r.version))
    if after is None:
        return rows
    cursor = parse_version(after)
    return [r for r in rows if parse_version(r.version) > cursor]


def put_release(session: Session, product_code: str, version_text: str,
                released_at: datetime, *, now: datetime, actor: str,
                channel: str = rules.STABLE, notes: str = "") -> tuple[ReleaseRow, bool]:
    """Create or replace a release; returns it and whether it is new."""
    check_channel(channel)
    product = catalog.get_product(session, product_code)
    if not product.is_perpetual:
        raise LicensorError("PRODUCT_NOT_PERPETUAL", f"{product.name} is not installed from a "
                            "release with a License Key: subscriptions include every update and "
                            "marketplace products are updated by the marketplace.",
                            {"product": product.code})
    version = parse_version(version_text)
    released_at = released_at.astimezone(UTC)
    repo = ReleaseRepository(session)
    row = repo.get(product.code, str(version))
    before = ReleaseEntry.view(row) if row is not None else None
    if row is None:
        row = ReleaseRow(product=product.code, version=str(version), major=version.major,
                         released_at=released_at, channel=channel, notes=notes,
                         created_at=now, updated_at=now)
        session.add(row)
    else:
        row.released_at, row.updated_at = released_at, now
        row.channel, row.notes = channel, notes
    session.flush()
    audit.record(session, actor=actor, action="release.put", entity_type="release",
                 entity_id=f"{product.code}@{version}", before=before, after=ReleaseEntry.view(row),
                 now=now)
    return row, before is None


# -- the update check (read-only) ---------------------------------------------------------------

@dataclass(frozen=True)
class LicensedReleases:
    """A license, the terms its key gives for updates, and its product's releases: what the
    update check and a download both decide on, with the same rule (rules.release_reason)."""

    license: LicenseRow
    product: Product
    terms: rules.UpdateTerms
    releases: list[rules.Release]


def licensed_releases(ctx: Context, session: Session, license_name: str,
                      license_key: str) -> LicensedReleases:
    """A superseded key answers for the license that stands now in its place; a revoked one is
    409 LICENSE_REVOKED, a key that does not validate 422 INVALID_LICENSE."""
    row, _current = licenses.license_of_key(ctx, session, license_name, license_key)
    product = catalog.get_product(session, row.product)
    releases = [rules.Release(parse_version(r.version), r.released_at, r.channel)
                for r in ReleaseRepository(session).for_product(product.code)]
    terms = rules.UpdateTerms(product.maintenance_months, row.maintenance_until,
                              row.major_version)
    return LicensedReleases(row, product, terms, releases)


def check_update(ctx: Context, session: Session, license_name: str, license_key: str,
                 version_text: str) -> dict[str, Any]:
    """May this License Information install `version`, and what is the newest it may install.
    A superseded key answers for the license that stands now in its place."""
    version = parse_version(version_text)
    held = licensed_releases(ctx, session, license_name, license_key)
    row, product = held.license, held.product
    decision = rules.check_update(held.terms, held.releases, version)
    return {"version": str(decision.version), "allowed": decision.allowed,
            "reason": decision.reason,
            "latest_allowed": str(decision.latest_allowed) if decision.latest_allowed else None,
            "latest": str(decision.latest) if decision.latest else None,
            "maintenance_until": iso(row.maintenance_until),
            "license_id": row.id, "product": product.code,
            "major_version": row.major_version}


# -- renewal ------------------------------------------------------------------------------------

def check_renewable(product: Product, row: LicenseRow) -> int:
    """The block length in months; refuses products without maintenance and marketplace
    licenses (renewed at the marketplace)."""
    if product.maintenance_months is None:
        raise rules.no_maintenance(product)
    if row.channel == "marketplace":
        raise LicensorError("UPGRADE_VIA_MARKETPLACE", "This license was bought through the "
                            "marketplace: renew its maintenance there.",
                            {"url": product.marketplace_url, "license_id": row.id})
    return product.maintenance_months


def end_after_renewal(product: Product, row: LicenseRow) -> datetime:
    months = check_renewable(product, row)
    end = row.maintenance_until or licenses.default_maintenance_end(product, row.purchased_at)
    assert end is not None
    return rules.renewed_end(end, months, anchor=row.purchased_at)


def _change_maintenance(ctx: Context, session: Session, row: LicenseRow, end: datetime, *,
                        action: str, now: datetime, actor: str,
                        extra: dict[str, Any]) -> None:
    before = licenses.snapshot(row)
    row.maintenance_until = end
    row.version += 1
    licenses.sign_license(ctx, session, row, now)  # the key carries the end: a new key
    session.flush()
    audit.record(session, actor=actor, action=action, entity_type="license", entity_id=row.id,
                 before=before, after={**licenses.snapshot(row), **extra}, now=now)


def renew(ctx: Context, session: Session, row: LicenseRow, product: Product, *, now: datetime,
          actor: str, order_id: str | None = None) -> datetime | None:
    """Add one maintenance block to a (locked) license and re-issue its License Key; the
    previous key then validates as SUPERSEDED. Returns the end before the renewal."""
    previous = row.maintenance_until
    end = end_after_renewal(product, row)
    _change_maintenance(ctx, session, row, end, action="license.maintenance_renewed", now=now,
                        actor=actor, extra={"order_id": order_id,
                                            "previous_maintenance_until": iso(previous)})
    # license.renewed(license=LicenseRow, previous_end=datetime|None, order_id=str|None)
    events.emit(ctx, session, now, "license.renewed", license=row, previous_end=previous,
                order_id=order_id)
    return previous


def give_back_renewal(ctx: Context, session: Session, row: LicenseRow, product: Product, *,
                      renewed_from: datetime | None, renewed_to: datetime | None,
                      now: datetime, actor: str, order_id: str | None = None) -> None:
    """Undo one renewal (a refund): the exact previous end when nothing changed since, else
    one block less; re-issues the key and mails the customer the new License Information."""
    months = rules.block_months(product.maintenance_months)
    if row.maintenance_until is None:
        return
    if renewed_from is not None and row.maintenance_until == renewed_to:
        end = renewed_from
    else:
        end = rules.shortened_end(row.maintenance_until, months, anchor=row.purchased_at)
    _change_maintenance(ctx, session, row, end, action="license.maintenance_renewal_refunded",
                        now=now, actor=actor, extra={"order_id": order_id})
    mail.enqueue_mail(session, "notice", to=row.email, now=now,
                      subject=f"Your {product.name} maintenance renewal was refunded",
                      paragraphs=[("Your maintenance renewal was refunded, so maintenance now "
                                  f"ends on {human_date(end)}. Here is your License Information "
                                  "with that date; the key you had keeps working for your "
                                  "registered users.")],
                      license_information=licenses.license_information_text(
                          row, product.name, product.seat_unit or "user"))


# -- reminders ----------------------------------------------------------------------------------

def _reminder_mail(row: LicenseRow, product: Product, kind: str, public_url: str
                   ) -> dict[str, Any]:
    """The reminder's subject and words, for the "notice" mail template."""
    end = row.maintenance_until
    assert end is not None
    price = rules.renewal_price(product, row.seats)
    if kind == "30_days":
        subject = f"Your {product.name} maintenance ends on {human_date(end)}"
        opening = (f"Maintenance (support and updates) of your {product.name} license ends on "
                   f"{human_date(end)}, in 30 days.")
    else:
        subject = f"Your {product.name} maintenance ended today"
        opening = (f"Maintenance (support and updates) of your {product.name} license ended "
                   f"today, {human_date(end)}.")
    months = rules.block_months(product.maintenance_months)
    new_end = rules.renewed_end(end, months, anchor=row.purchased_at)
    summary = "\n".join([
        f"License Name:  {row.license_name}",
        f"{(product.seat_unit or 'user').capitalize() + 's:':<15}"
        + ("unlimited" if row.seats is None else str(row.seats)),
        f"License id:    {row.id}",
    ])
    return {"subject": subject, "license_information": summary, "after_license": "",
            "paragraphs": [
                opening,
                (f"Renewing costs {price.display()} for {months} more "
                 f"months of updates and support, until {human_date(new_end)} (a renewal always "
                 "adds one block from the current end date, whenever you buy it)."),
                ("To renew, enter your License Name and License Key on the renewal page: "
                 f"{public_url.rstrip('/')}/renew (the page shows the price before anything "
                 "is paid)."),
                ("Renewal is optional: without it you keep using every version released on or "
                 f"before {human_date(end)}."),
            ]}


@job("maintenance_reminders")
def send_maintenance_reminders(ctx: Context, session: Session, now: datetime) -> int:
    """Mail each active direct license 30 days before its maintenance ends and on the end,
    once each per end date (recorded in maintenance_reminders), each dated when it fell due."""
    repo = ReminderRepository(session)
    products: dict[str, Product] = {}
    sent = 0
    # Active direct licenses whose maintenance ends by then, whose current end came after
    # their key was issued (an end already past when it was set is never reminded), and whose
    # last reminder ("ended") for that end has not gone out yet.
    for row in license_queries.maintenance_ending_by(session, now + REMINDER_LEAD,
                                                     unless=repo.sent("ended")):
        end = row.maintenance_until
        assert end is not None
        product = products.get(row.product) or catalog.get_product(session, row.product)
        products[row.product] = product
        done = repo.kinds_sent(row.id, end)
        for kind, due in (("30_days", end - REMINDER_LEAD), ("ended", end)):
            # A reminder falls due only while this end stands: not before the key carrying it
            # was issued (an end set late, or already near, skips the early reminder).
            if kind in done or due > now or due < row.issued_at:
                continue
            words = _reminder_mail(row, product, kind, ctx.settings.public_url)
            mail.enqueue_mail(session, "notice", to=row.email, now=due, **words)
            # maintenance.expiring / maintenance.expired (license: LicenseRow), dated when due
            events.emit(ctx, session, due, "maintenance.expiring" if kind == "30_days"
                        else "maintenance.expired", license=row)
            session.add(MaintenanceReminderRow(license_id=row.id, kind=kind,
                                               maintenance_until=end, due_at=due, sent_at=now))
            sent += 1
    session.flush()
    return sent
