"""Bulk import and bulk issue of perpetual licenses from a CSV file (docs/bulk-import.md).

`licensor licenses import FILE.csv` brings in licenses sold before (their purchase and
maintenance dates come from the file); `licensor licenses bulk-issue FILE.csv` issues new ones
as of now. Both read the whole file first and refuse it, importing nothing, if any row is wrong
(every bad row is reported with its row number and a coded error). Then they insert the
licenses in batches, one transaction per batch: the licenses, the record of which CSV row
became which license (import_job_rows), the job's progress and one audit entry for the batch
commit together. Running the same command on the same file again resumes after the last
committed batch and never imports a row twice.

`run` is a command boundary (like the jobs loop): it commits each batch itself.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from nacl.signing import SigningKey
from sqlalchemy.orm import Session

from licensor.bulk.models import ImportJobRow
from licensor.bulk.repository import ImportJobRepository
from licensor.catalog.rules import Product
from licensor.catalog.service import get_product
from licensor.core import audit
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.licenses import queries as license_queries
from licensor.licenses import service as licenses
from licensor.licenses.enums import LicenseStatus
from licensor.licenses.rules import check_sen

KINDS = ("import", "bulk-issue")
CHANNELS = ("direct", "marketplace")
REQUIRED_COLUMNS = ("product", "seats", "license_name", "email")
OPTIONAL_COLUMNS = ("sen", "purchased_at", "maintenance_until")
BATCH_SIZE = 1000
MAX_ROWS = 1_000_000
FIRST_ROW = 2  # row numbers as a spreadsheet shows them: the header is row 1


@dataclass(frozen=True)
class CsvLicense:
    row: int
    product: Product
    seats: int | None
    license_name: str
    email: str
    sen: str | None
    purchased_at: datetime | None
    maintenance_until: datetime | None


@dataclass(frozen=True)
class RowError:
    row: int
    code: str
    message: str


@dataclass
class Result:
    job_id: str
    total: int
    imported_now: int
    already_done: int
    batches: int = 0
    resumed: bool = False
    errors: list[RowError] = field(default_factory=list)


# -- reading the file ----------------------------------------------------------------------

def _moment(text: str, column: str) -> datetime:
    """2026-03-01 (midnight UTC) or an RFC 3339 time with its offset."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise LicensorError("INVALID_REQUEST", f"{column} must be a date such as 2026-03-01 or "
                            "a time such as 2026-03-01T09:30:00Z.", {"field": column}) from None
    if moment.tzinfo is None:
        raise LicensorError("INVALID_REQUEST", f"{column} needs a UTC offset, e.g. "
                            "2026-03-01T09:30:00Z.", {"field": column})
    return moment.astimezone(UTC)


def _seats(text: str) -> int | None:
    if text == "" or text.lower() == "unlimited":
        return None
    try:
        return int(text)
    except ValueError:
        raise LicensorError("INVALID_SEATS", "seats must be a whole number (or empty/unlimited "
                            "for an unlimited tier).", {"seats": text}) from None


def _check_row(session: Session, products: dict[str, Product], record: dict[str, str],
               row: int, *, kind: str, channel: str) -> CsvLicense:
    code = record["product"]
    product = products.get(code)
    if product is None:
        product = products[code] = get_product(session, code)
    seats = licenses.check_seats(product, _seats(record["seats"]))
    if channel not in product.channels:
        raise LicensorError("INVALID_REQUEST", f"{product.name} is not sold through the "
                            f"{channel} channel; use --channel "
                            f"{' or '.join(product.channels)}.", {"field": "channel"})
    sen = record.get("sen") or None
    if channel == "marketplace" and sen is None:
        raise LicensorError("INVALID_REQUEST", "A marketplace license needs its SEN: fill the "
                            "sen column (e.g. SEN-L1234567).", {"field": "sen"})
    if channel == "direct" and sen is not None:
        raise LicensorError("INVALID_REQUEST", "sen is the marketplace's license number; import "
                            "such rows with --channel marketplace.", {"field": "sen"})
    if sen is not None:
        sen = check_sen(sen)
    purchased = (_moment(record["purchased_at"], "purchased_at")
                 if record.get("purchased_at") else None)
    maintenance = (_moment(record["maintenance_until"], "maintenance_until")
                   if record.get("maintenance_until") else None)
    if kind == "bulk-issue" and (purchased or maintenance):
        raise LicensorError("INVALID_REQUEST", "bulk-issue issues new licenses as of now; leave "
                            "purchased_at and maintenance_until empty, or use `licensor licenses "
                            "import` for licenses bought earlier.", {"field": "purchased_at"})
    start = purchased or maintenance
    if start is not None:  # else as of now, which the (bounded) clock keeps in a key's range
        licenses.maintenance_end_in_key(product, start, maintenance)
    return CsvLicense(row=row, product=product, seats=seats,
                      license_name=licenses.check_license_name(record["license_name"]),
                      email=licenses.check_email(record["email"]), sen=sen,
                      purchased_at=purchased, maintenance_until=maintenance)


def read_csv(session: Session, text: str, *, kind: str, channel: str
             ) -> tuple[list[CsvLicense], list[RowError]]:
    """Every row checked: the licenses to create, and the rows that are wrong."""
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise LicensorError("INVALID_REQUEST", f"The CSV file needs a header row with the columns "
                            f"{', '.join(REQUIRED_COLUMNS)} (optional: "
                            f"{', '.join(OPTIONAL_COLUMNS)}); missing: {', '.join(missing)}.",
                            {"field": "columns", "missing": missing})
    reader.fieldnames = columns
    products: dict[str, Product] = {}
    good: list[CsvLicense] = []
    bad: list[RowError] = []
    sens: dict[str, int] = {}
    for index, record in enumerate(reader):
        row = index + FIRST_ROW
        if index >= MAX_ROWS:
            raise LicensorError("INVALID_REQUEST", f"A file may hold at most {MAX_ROWS:,} rows; "
                                "split it.", {"field": "rows"})
        if None in record:
            bad.append(RowError(row, "INVALID_REQUEST", "This row has more fields than the "
                                "header; quote fields that contain commas."))
            continue
        cleaned = {k: (v or "").strip() for k, v in record.items()}
        with_nul = [k for k, v in cleaned.items() if "\x00" in v]
        if with_nul:  # PostgreSQL cannot store it, SQLite would: refused on both
            bad.append(RowError(row, "INVALID_REQUEST", f"The {with_nul[0]} of this row contains "
                                "a NUL character (U+0000); remove it from the file."))
            continue
        try:
            parsed = _check_row(session, products, cleaned, row, kind=kind, channel=channel)
        except LicensorError as exc:
            bad.append(RowError(row, exc.code, exc.message))
            continue
        if parsed.sen is not None:
            if parsed.sen in sens:
                bad.append(RowError(row, "INVALID_REQUEST", f"SEN {parsed.sen} is also on row "
                                    f"{sens[parsed.sen]}; a SEN belongs to one license."))
                continue
            sens[parsed.sen] = row
        good.append(parsed)
    return good, bad


# -- the job ---------------------------------------------------------------------------------

def _signed(kid: str, signing_key: SigningKey, license_id: str, item: CsvLicense, issued: datetime,
            maintenance: datetime | None) -> str:
    """The License Key of a row of the file (one signer for the whole batch)."""
    return licenses.license_key(kid, signing_key, license_id=license_id,
                                product=item.product.code, seats=item.seats,
                                license_name=item.license_name, issued=issued,
                                maintenance_until=maintenance,
                                major_version=item.product.major_version)


def _batch(ctx: Context, session: Session, job: ImportJobRow, items: list[CsvLicense],
           now: datetime, actor: str) -> None:
    kid, signing_key = ctx.keyring.signer(session)
    issued = now.replace(microsecond=0)
    values, rows = [], []
    for item in items:
        license_id = licenses.new_license_id()
        purchased = item.purchased_at or now
        maintenance = item.maintenance_until or licenses.default_maintenance_end(item.product,
                                                                                 purchased)
        values.append({
            "id": license_id, "product": item.product.code, "seats": item.seats,
            "license_name": item.license_name, "email": item.email, "channel": job.channel,
            "sen": item.sen, "status": LicenseStatus.ACTIVE, "purchased_at": purchased,
            "created_at": now,
            "maintenance_until": maintenance, "major_version": item.product.major_version,
            "supersedes": None, "superseded_by": None, "revoked_reason": None, "version": 1,
            "kid": kid, "issued_at": issued,
            "license_key": _signed(kid, signing_key, license_id, item, issued, maintenance)})
        rows.append({"job_id": job.id, "row_number": item.row, "license_id": license_id})
    license_queries.insert_many(session, values)
    ImportJobRepository(session).insert_rows(rows)
    job.done_rows += len(items)
    job.updated_at = now
    # One audit entry per batch (not per license): which rows became which licenses is in
    # import_job_rows, committed with it.
    audit.record(session, actor=actor, action=f"licenses.{job.kind.replace('-', '_')}",
                 entity_type="import_job", entity_id=job.id, before=None,
                 after={"rows": [items[0].row, items[-1].row], "count": len(items),
                        "channel": job.channel, "first_license": values[0]["id"],
                        "last_license": values[-1]["id"], "file": job.file_name},
                 now=now)


def _batches(items: list[CsvLicense], size: int) -> Iterator[list[CsvLicense]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _read_file(path: Path) -> tuple[bytes, str]:
    """The CSV file's bytes (their digest names the job, so a rerun resumes it) and text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LicensorError("INVALID_REQUEST", f"Cannot read {path}: {exc.strerror}; give the "
                            "path of a CSV file.", {"field": "file"}) from None
    try:
        return data, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LicensorError("INVALID_REQUEST", f"{path} is not UTF-8 text; save the CSV as "
                            "UTF-8.", {"field": "file"}) from None


def run(ctx: Context, path: Path, *, kind: str, channel: str = "direct", actor: str = "cli",
        batch_size: int = BATCH_SIZE, on_start: Callable[[int, int], None] | None = None,
        on_batch: Callable[[int], None] | None = None) -> Result:
    """Import (or resume importing) `path`. `on_start(total, done)` and `on_batch(count)` report
    progress; `on_batch` runs inside the batch's transaction, before it commits."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if channel not in CHANNELS:
        raise LicensorError("INVALID_REQUEST", f"channel must be one of {', '.join(CHANNELS)}.",
                            {"field": "channel"})
    data, text = _read_file(path)
    digest = hashlib.sha256(data).hexdigest()

    with ctx.db.transaction() as session:
        now = ctx.clock.now(session)
        repo = ImportJobRepository(session)
        job = repo.find(kind, channel, digest)
        done = repo.imported_rows(job.id) if job is not None else set()
        items, errors = read_csv(session, text, kind=kind, channel=channel)
        todo = [item for item in items if item.row not in done]
        taken = license_queries.sens_taken(session, (item.sen for item in todo
                                                     if item.sen is not None))
        errors += [RowError(item.row, "INVALID_REQUEST", f"SEN {item.sen} already belongs to a "
                            "license; a SEN belongs to one license.")
                   for item in todo if item.sen in taken]
        if errors:
            errors.sort(key=lambda e: e.row)
            raise LicensorError("INVALID_REQUEST", f"{len(errors)} row(s) of {path.name} are "
                                "wrong; nothing was imported. Fix them and run the command "
                                "again.", {"rows": [e.__dict__ for e in errors]})
        resumed = job is not None
        if job is None:
            job = ImportJobRow(id="imp_" + uuid.uuid4().hex, kind=kind, channel=channel,
                               source_sha256=digest, file_name=path.name[:500],
                               total_rows=len(items), done_rows=0, status="running",
                               created_at=now, updated_at=now)
            session.add(job)
        job_id = job.id
    result = Result(job_id=job_id, total=len(items), imported_now=0,
                    already_done=len(items) - len(todo), resumed=resumed)
    if on_start is not None:
        on_start(result.total, result.already_done)
    for chunk in _batches(todo, batch_size):
        with ctx.db.transaction() as session:
            now = ctx.clock.now(session)
            locked = ImportJobRepository(session).get_for_update(job_id)
            assert locked is not None
            _batch(ctx, session, locked, chunk, now, actor)
            if on_batch is not None:
                on_batch(len(chunk))
        result.imported_now += len(chunk)
        result.batches += 1
    with ctx.db.transaction() as session:
        locked = ImportJobRepository(session).get_for_update(job_id)
        assert locked is not None
        locked.status, locked.updated_at = "done", ctx.clock.now(session)
    return result


def license_information(ctx: Context, job_id: str) -> list[dict[str, Any]]:
    """Which license (and License Key) each CSV row became, for sending to the buyers."""
    with ctx.db.transaction() as session:
        made = ImportJobRepository(session).licenses_of(job_id)
        keys = license_queries.key_information(session, [license_id for _, license_id in made])
        return [{"row": n, "license_id": r.id, "product": r.product,
                 "seats": "unlimited" if r.seats is None else r.seats,
                 "license_name": r.license_name, "email": r.email, "sen": r.sen or "",
                 "license_key": r.license_key}
                for n, r in ((n, keys.get(i)) for n, i in made) if r is not None]
