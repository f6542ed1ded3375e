"""`licensor licenses import|bulk-issue FILE.csv`: the bulk capability's commands, composed into
the licenses group by cli.py (a vendor looks for them next to `licenses issue`)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from licensor.core.commands import JSON_OPTION, console, context, err, fail, print_json
from licensor.core.errors import LicensorError

_CHANNEL = typer.Option(help="direct, or marketplace (then every row needs a sen)")
_KEYS_OUT = typer.Option(help="Write each row's license id and License Key to this CSV file")
_BATCH = typer.Option(min=1, max=10_000)


def _print_rows_to_fix(exc: LicensorError, file: Path) -> None:
    rows = exc.details.get("rows") if isinstance(exc.details, dict) else None
    if not rows:
        return
    table = Table("row", "code", "message", title=f"Rows of {file.name} to fix")
    for item in rows[:50]:
        table.add_row(str(item["row"]), item["code"], item["message"])
    err.print(table)
    if len(rows) > 50:
        err.print(f"... and {len(rows) - 50} more.")


def _write_keys(ctx: Any, job_id: str, keys_out: Path, *, quiet: bool) -> None:
    from licensor.bulk import service as bulk

    rows = bulk.license_information(ctx, job_id)
    with keys_out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["row"])
        writer.writeheader()
        writer.writerows(rows)
    if not quiet:
        console.print(f"License Information of {len(rows)} row(s) written to {keys_out}.")


def _bulk(kind: str, file: Path, channel: str, keys_out: Path | None, batch_size: int,
          as_json: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from licensor.bulk import service as bulk

    ctx = context()
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console, disable=as_json) as progress:
        task = progress.add_task(f"{kind} {file.name}", total=None)

        def started(total: int, done: int) -> None:
            progress.update(task, total=total, completed=done)

        try:
            result = bulk.run(ctx, file, kind=kind, channel=channel, batch_size=batch_size,
                              on_start=started,
                              on_batch=lambda n: progress.advance(task, n))
        except LicensorError as exc:
            progress.stop()
            _print_rows_to_fix(exc, file)
            fail(exc)
    if keys_out is not None:
        _write_keys(ctx, result.job_id, keys_out, quiet=as_json)
    if as_json:
        print_json({"job_id": result.job_id, "total": result.total,
                    "imported_now": result.imported_now, "already_done": result.already_done,
                    "batches": result.batches, "resumed": result.resumed,
                    "keys_out": str(keys_out) if keys_out else None})
        return
    verb = "Imported" if kind == "import" else "Issued"
    console.print(f"{verb} {result.imported_now} license(s) in {result.batches} batch(es) "
                  f"(job {result.job_id}; {result.total} rows, {result.already_done} done "
                  "before" + (", resumed" if result.resumed else "") + ").")


def import_licenses(file: Path, channel: Annotated[str, _CHANNEL] = "direct",
                    keys_out: Annotated[Path | None, _KEYS_OUT] = None,
                    batch_size: Annotated[int, _BATCH] = 1000,
                    as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Import licenses sold before from a CSV file (see docs/bulk-import.md); resumable."""
    _bulk("import", file, channel, keys_out, batch_size, as_json)


def bulk_issue(file: Path, channel: Annotated[str, _CHANNEL] = "direct",
               keys_out: Annotated[Path | None, _KEYS_OUT] = None,
               batch_size: Annotated[int, _BATCH] = 1000,
               as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Issue new licenses, one per CSV row, as of now (see docs/bulk-import.md); resumable."""
    _bulk("bulk-issue", file, channel, keys_out, batch_size, as_json)


# Composed into `licensor licenses` by cli.py.
COMMANDS = {"import": import_licenses, "bulk-issue": bulk_issue}
