"""Perpetual licenses: issue signed License Information, validate it (read-only), revoke it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nacl.signing import SigningKey
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from licensor.catalog.rules import MAX_SEATS, Product
from licensor.core import audit, events, mail
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.formats import human_date
from licensor.core.jobs import job
from licensor.licenses.enums import LicenseStatus
from licensor.licenses.models import LicenseRow
from licensor.licenses.repository import LicenseRepository, LostKeyMailRepository
from licensor.licenses.revocations import service as revocations
from licensor.licenses.rules import check_key_time, check_sen, maintenance_end_of_sale
from licensor.verify import (
    UNKNOWN_KEY,
    VALID,
    Claims,
    Verdict,
    encode_claims,
    format_key,
    unassigned_character,
    unicode14,
)


def new_license_id() -> str:
    return "lic_" + uuid.uuid4().hex


def check_email(email: str, field: str = "email") -> str:
    email = email.strip()
    if not mail.EMAIL_RE.match(email) or len(email) > mail.EMAIL_MAX_LENGTH:
        raise LicensorError("INVALID_REQUEST", f"{field} must be an email address such as "
                            "buyer@example.com.", {"field": field})
    return email


def check_license_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 200:
        raise LicensorError("INVALID_REQUEST", "license_name must be 1 to 200 characters, "
                            "usually the company's name.", {"field": "license_name"})
    character = unassigned_character(cleaned)
    if character is not None:  # its digest would depend on each verifier's Unicode tables
        code_point = f"U+{ord(character):04X}"
        raise LicensorError("INVALID_REQUEST", f"license_name contains {code_point}, which is "
                            f"not a character of Unicode {unicode14.VERSION} that every License "
                            "Key verifier knows; leave it out or write the name without it.",
                            {"field": "license_name", "character": code_point})
    return cleaned


def check_seats(product: Product, seats: int | None) -> int | None:
    """Seats a license of this product may have: any count for volume, a tier for tiered."""
    if not product.is_perpetual or product.pricing is None:
        raise LicensorError("PRODUCT_NOT_PERPETUAL", f"{product.name} has no License Key: "
                            "subscriptions and marketplace products are not licensed by key.",
                            {"product": product.code})
    if product.pricing.kind == "tiers":
        product.pricing.list_price(seats)  # raises INVALID_TIER
        return seats
    if seats is None or seats < 1 or seats > MAX_SEATS:
        raise LicensorError("INVALID_SEATS", f"Seats must be a whole number from 1 to {MAX_SEATS}.",
                            {"field": "seats", "seats": seats})
    return seats


def check_institution(academic: bool, institution: str | None) -> str | None:
    """The institution of an academic license (required, 1 to 200 characters); a commercial
    license has none."""
    cleaned = " ".join((institution or "").split())
    if academic and (not cleaned or len(cleaned) > 200):
        raise LicensorError("INVALID_REQUEST", "institution is required for an academic "
                            "license: the school or university's name, 1 to 200 characters.",
                            {"field": "institution"})
    if not academic and cleaned:
        raise LicensorError("INVALID_REQUEST", "institution is only for an academic license; "
                            "send academic: true with it, or leave it out.",
                            {"field": "institution"})
    return cleaned or None


def default_maintenance_end(product: Product, start: datetime) -> datetime | None:
    if product.maintenance_months is None:
        return None
    return maintenance_end_of_sale(start, product.maintenance_months)


def maintenance_end_in_key(product: Product, purchased: datetime,
                           maintenance_until: datetime | None) -> datetime | None:
    """The maintenance end a new license gets, refused (422 naming the field it comes from) when
    its License Key cannot carry it."""
    if maintenance_until is not None:
        check_key_time(maintenance_until, field="maintenance_until", what="The maintenance end",
                       remedy="give a maintenance_until within that range.")
        return maintenance_until
    if product.maintenance_months is None:
        return None
    remedy = "give a purchased_at within that range (less the maintenance period)."
    # The start first: a year-9999 purchase has no end to compute.
    check_key_time(purchased, field="purchased_at", what="The maintenance start", remedy=remedy)
    end = maintenance_end_of_sale(purchased, product.maintenance_months)
    check_key_time(end, field="purchased_at", what="The maintenance end that follows this "
                   "purchased_at", remedy=remedy)
    return end


def sign_license(ctx: Context, session: Session, row: LicenseRow, now: datetime) -> None:
    """(Re)issue the License Key of `row` with its current terms, signed by the active key."""
    issued = now.replace(microsecond=0)
    if row.issued_at is not None and issued <= row.issued_at:
        # Keys of one license are told apart by issue time: a re-issue is always later.
        issued = row.issued_at + timedelta(seconds=1)
    kid, signing_key = ctx.keyring.signer(session)
    row.license_key = license_key(kid, signing_key, license_id=row.id, product=row.product,
                                  seats=row.seats, license_name=row.license_name, issued=issued,
                                  maintenance_until=row.maintenance_until,
                                  major_version=row.major_version)
    row.kid, row.issued_at = kid, issued


def license_key(kid: str, signing_key: SigningKey, *, license_id: str, product: str,
                seats: int | None, license_name: str, issued: datetime,
                maintenance_until: datetime | None, major_version: int | None) -> str:
    """The License Key: the license's terms and name, signed by `signing_key` (whole seconds)."""
    check_key_time(issued, field="issued_at", what="The License Key's issue date",
                   remedy="set the sandbox clock within that range.")
    if maintenance_until is not None:
        check_key_time(maintenance_until, field="maintenance_until", what="The maintenance end",
                       remedy="give a maintenance end within that range.")
    claims = Claims(license_id=license_id, product=product, seats=seats,
                    issued_at=int(issued.timestamp()), kid=kid,
                    maintenance_until=(int(maintenance_until.timestamp())
                                       if maintenance_until is not None else None),
                    major_version=major_version)
    message = encode_claims(claims, license_name)
    return format_key(message + signing_key.sign(message).signature)


def issue_license(ctx: Context, session: Session, *, product: Product, seats: int | None,
                  license_name: str, email: str, now: datetime, actor: str,
                  channel: str = "direct", sen: str | None = None,
                  purchased_at: datetime | None = None,
                  maintenance_until: datetime | None = None,
                  supersedes: str | None = None, academic: bool = False,
                  institution: str | None = None) -> LicenseRow:
    seats = check_seats(product, seats)
    institution = check_institution(academic, institution)
    if academic and product.pricing is not None:
        product.pricing.academic_view()  # 409 ACADEMIC_NOT_AVAILABLE without academic prices
    if channel not in product.channels:
        raise LicensorError("INVALID_REQUEST", f"{product.name} is not sold through the "
                            f"{channel} channel; use one of {', '.join(product.channels)}.",
                            {"field": "channel"})
    sen = (sen or "").strip() or None
    if channel == "marketplace":
        sen = check_sen(sen)
    if channel == "direct" and sen is not None:
        raise LicensorError("INVALID_REQUEST", "sen is the marketplace's license number; a direct "
                            "license has none. Leave it out, or use channel marketplace.",
                            {"field": "sen"})
    purchased = purchased_at or now
    maintenance_end = maintenance_end_in_key(product, purchased, maintenance_until)
    row = LicenseRow(
        id=new_license_id(), product=product.code, seats=seats,
        license_name=check_license_name(license_name), email=check_email(email),
        channel=channel, sen=sen, status=LicenseStatus.ACTIVE, purchased_at=purchased,
        created_at=now, maintenance_until=maintenance_end,
        major_version=product.major_version, supersedes=supersedes, version=1,
        academic=academic, institution=institution)
    sign_license(ctx, session, row, now)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="license.issued", entity_type="license",
                 entity_id=row.id, before=None, after=snapshot(row), now=now)
    # license.created(license: LicenseRow)
    events.emit(ctx, session, now, "license.created", license=row)
    return row


def snapshot(row: LicenseRow) -> dict[str, Any]:
    """What the audit log keeps of a license (the key is left out: it is derived)."""
    return {"product": row.product, "seats": row.seats, "license_name": row.license_name,
            "email": row.email, "channel": row.channel, "sen": row.sen, "status": row.status,
            "superseded_by": row.superseded_by, "kid": row.kid,
            "maintenance_until": row.maintenance_until, "issued_at": row.issued_at,
            **({"academic": True, "institution": row.institution} if row.academic else {})}


def get_license(session: Session, license_id: str, *, for_update: bool = False) -> LicenseRow:
    repo = LicenseRepository(session)
    row = repo.get_for_update(license_id) if for_update else repo.get(license_id)
    if row is None:
        # Customers reach this too (a quote or an order names a license): no admin-only hint.
        raise LicensorError("LICENSE_NOT_FOUND", f"No license {license_id}; check the id.",
                            {"license_id": license_id})
    return row


def revoke(ctx: Context, session: Session, license_id: str, reason: str, *, now: datetime,
           actor: str) -> LicenseRow:
    row = get_license(session, license_id, for_update=True)
    if row.status == LicenseStatus.REVOKED:
        raise LicensorError("LICENSE_ALREADY_REVOKED", "This license is already revoked.",
                            {"license_id": license_id})
    before = snapshot(row)
    row.status, row.revoked_reason = LicenseStatus.REVOKED, reason
    row.version += 1
    revocations.license_status_changed(ctx, session)  # the signed list is re-signed
    audit.record(session, actor=actor, action="license.revoked", entity_type="license",
                 entity_id=row.id, before=before, after={**snapshot(row), "reason": reason},
                 now=now)
    # license.revoked(license: LicenseRow)
    events.emit(ctx, session, now, "license.revoked", license=row)
    return row


# -- validation: the hot path; it only reads ------------------------------------------------

@dataclass(frozen=True)
class Validation:
    valid: bool
    code: str
    claims: Claims | None
    license: dict[str, Any] | None
    current_license_id: str | None = None  # where registrations of this key live now

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "code": self.code, "license": self.license}


_LICENSE_FIELDS = (LicenseRow.id, LicenseRow.product, LicenseRow.seats, LicenseRow.status,
                   LicenseRow.maintenance_until, LicenseRow.major_version,
                   LicenseRow.superseded_by, LicenseRow.issued_at)
# Built once: a select() built per call costs more than the lookup itself (SQLAlchemy derives
# its cache key and adapts the cached result columns to each new statement object).
_LICENSE_BY_ID = select(*_LICENSE_FIELDS).where(LicenseRow.id == bindparam("license_id"))
_SUCCESSOR_OF = select(LicenseRow.superseded_by).where(LicenseRow.id == bindparam("license_id"))


def verify_signature(ctx: Context, session: Session | Connection, license_name: str,
                     license_key: str,
                     product: str | None = None) -> Verdict:
    verdict = ctx.keyring.verifier(session).verify(license_name, license_key, product)
    if verdict.code == UNKNOWN_KEY:  # maybe another worker rotated a moment ago
        verdict = ctx.keyring.verifier(session, refresh=True).verify(
            license_name, license_key, product)
    return verdict


def validate(ctx: Context, session: Session | Connection, license_name: str, license_key: str,
             product: str | None = None) -> Validation:
    """Read-only, on a session or a bare connection (the API's hot path uses one)."""
    verdict = verify_signature(ctx, session, license_name, license_key, product)
    if verdict.code != VALID or verdict.claims is None:
        return Validation(False, verdict.code, verdict.claims, None)
    claims = verdict.claims
    found = session.execute(_LICENSE_BY_ID, {"license_id": claims.license_id}).first()
    if found is None:
        return Validation(False, UNKNOWN_KEY, claims, None)
    lid, prod, seats, status, maint, major, superseded_by, issued_at = found
    if status == LicenseStatus.REVOKED:
        code, valid = "REVOKED", False
    elif status == LicenseStatus.SUPERSEDED:
        code, valid = "SUPERSEDED", True
    elif int(issued_at.timestamp()) != claims.issued_at:
        # An earlier key of this same license (a renewal re-issued it): superseded in place.
        code, valid, superseded_by = "SUPERSEDED", True, lid
    else:
        code, valid = "VALID", True
    info = {"id": lid, "product": prod, "seats": seats, "status": status,
            "maintenance_until": maint.isoformat().replace("+00:00", "Z") if maint else None,
            "major_version": major, "superseded_by": superseded_by}
    current = lid if status != LicenseStatus.SUPERSEDED else final_successor(session, lid)
    return Validation(valid, code, claims, info, current)


# -- the license a customer's License Information stands for -----------------------------------

def revoked_error(license_id: str | None) -> LicensorError:
    return LicensorError("LICENSE_REVOKED", "This license has been revoked, so it can no longer "
                         "be used or changed; contact the vendor's support if you think this is "
                         "a mistake.", {"license_id": license_id})


def invalid_license_error(code: str) -> LicensorError:
    return LicensorError("INVALID_LICENSE", "The License Name and License Key do not match a "
                         "valid license; copy both exactly from your License Information "
                         "(POST /v1/licenses/lost-key sends it again).", {"code": code})


def license_of_key(ctx: Context, session: Session, license_name: str, license_key: str, *,
                   product: str | None = None,
                   for_update: bool = False) -> tuple[LicenseRow, bool]:
    """The license this License Information stands for now (a replaced key stands for its
    newest successor) and whether the key is that license's current one. Refuses a revoked
    license (409 LICENSE_REVOKED) and a key that does not validate (422 INVALID_LICENSE)."""
    result = validate(ctx, session, license_name, license_key, product)
    if result.code == "REVOKED":
        raise revoked_error(result.license["id"] if result.license else None)
    if not result.valid or result.current_license_id is None:
        raise invalid_license_error(result.code)
    row = get_license(session, result.current_license_id, for_update=for_update)
    if row.status == LicenseStatus.REVOKED:  # the successor was revoked since the key was replaced
        raise revoked_error(row.id)
    return row, result.code == VALID


def current_license(ctx: Context, session: Session, license_name: str, license_key: str, *,
                    product: str | None = None, for_update: bool = False) -> LicenseRow:
    """The license of this License Information, which must be its current one: a change (an
    upgrade, a renewal, a move to the marketplace) made with a replaced key would act on an
    old copy, so it is refused with 409 LICENSE_SUPERSEDED naming the license that stands."""
    row, current = license_of_key(ctx, session, license_name, license_key, product=product,
                                  for_update=for_update)
    if not current:
        raise LicensorError("LICENSE_SUPERSEDED", "This License Key was replaced by a newer one "
                            "(an upgrade or renewal); use your newest License Information "
                            "(lost it? POST /v1/licenses/lost-key).", {"superseded_by": row.id})
    return row


def final_successor(session: Session | Connection, license_id: str) -> str:
    """Follow superseded_by links to the license that stands now."""
    seen = {license_id}
    current = license_id
    while True:
        nxt = session.scalar(_SUCCESSOR_OF, {"license_id": current})
        if nxt is None or nxt in seen:
            return current
        seen.add(nxt)
        current = nxt


# -- mail --------------------------------------------------------------------------------------

def license_information_text(row: LicenseRow, product_name: str, unit: str = "user") -> str:
    """The License Information block, its count named as the catalog's unit (Users:)."""
    label = f"{unit.replace('_', ' ').capitalize()}s:"
    lines = [
        f"Product:       {product_name}",
        f"License Name:  {row.license_name}",
        "License Key:",
        row.license_key,
        f"{label:<15}{'unlimited' if row.seats is None else row.seats}",
    ]
    if row.maintenance_until is not None:
        lines.append(f"Maintenance:   until {human_date(row.maintenance_until)}")
    if row.major_version is not None:
        lines.append(f"Covers:        every {row.major_version}.x release")
    if row.academic:
        lines.append(f"Academic:      {row.institution}")
    if row.channel == "marketplace" and row.sen:
        lines.append(f"Marketplace SEN: {row.sen}")
    return "\n".join(lines)


# One address receives at most this many lost-key mails an hour, however often it is asked for.
LOST_KEY_MAILS_PER_HOUR = 3


def mail_lost_keys(ctx: Context, session: Session, email: str, now: datetime) -> int:
    """Mail every active License Information bought with `email` to that address only, unless
    it had LOST_KEY_MAILS_PER_HOUR of them in the past hour. Runs after the answer was sent
    (licenses/endpoints.py), so how long it takes tells the asker nothing."""
    from licensor.catalog.service import get_product

    email = email.strip()
    if not mail.EMAIL_RE.match(email):
        return 0
    email_key = email.casefold()
    sent = LostKeyMailRepository(session)
    if sent.count_since(email_key, now - timedelta(hours=1)) >= LOST_KEY_MAILS_PER_HOUR:
        return 0
    rows = LicenseRepository(session).active_by_email(email)
    if not rows:
        return 0
    blocks = [license_information_text(r, (p := get_product(session, r.product)).name,
                                       p.seat_unit or "user") for r in rows]
    mail.enqueue_mail(session, "lost_key", to=rows[0].email, now=now, count=len(rows),
                      license_information="\n\n".join(blocks))
    sent.add(email_key, now)
    return len(rows)


@job("prune_lost_key_mails", order=900)
def prune_lost_key_mails(ctx: Context, session: Session, now: datetime) -> int:
    return LostKeyMailRepository(session).prune(now - timedelta(hours=1))
