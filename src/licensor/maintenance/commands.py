"""`licensor releases add|list`: the versions update checks compare against."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

NAME = "releases"
app = typer.Typer(help="Product releases (for update checks).", no_args_is_help=True)


def parse_moment(text: str) -> datetime:
    """RFC 3339 / ISO 8601 (2016-03-10T16:00:00Z, or a date = midnight UTC); no zone = UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date or time; write e.g. "
                                 "2016-03-10T16:00:00Z.") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@app.command("add")
def add(product: Annotated[str, typer.Argument(help="Product code, e.g. jira-server")],
        version: Annotated[str, typer.Argument(help="MAJOR.MINOR.PATCH, e.g. 3.10.0")],
        released_at: Annotated[str | None, typer.Option(
            help="When it was released (RFC 3339); default now")] = None,
        channel: Annotated[str, typer.Option(help="stable or beta")] = "stable",
        notes: Annotated[str, typer.Option(help="Release notes")] = "") -> None:
    """Create or replace a release."""
    from licensor.core.commands import print_json, run_command
    from licensor.maintenance import service as maintenance
    from licensor.maintenance.schemas import ReleaseEntry

    moment = parse_moment(released_at) if released_at else None

    def work(ctx: Any, session: Any, now: datetime) -> dict[str, Any]:
        row, created = maintenance.put_release(session, product, version, moment or now,
                                               now=now, actor="cli", channel=channel,
                                               notes=notes)
        return {**ReleaseEntry.view(row), "created": created}

    print_json(run_command(work))


@app.command("list")
def list_releases(product: Annotated[str, typer.Argument(help="Product code")],
                  as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False
                  ) -> None:
    """List a product's releases, oldest version first."""
    from rich.table import Table

    from licensor.core.commands import console, print_json, run_command
    from licensor.maintenance import service as maintenance
    from licensor.maintenance.schemas import ReleaseEntry

    views = run_command(lambda ctx, session, now: [
        ReleaseEntry.view(r) for r in maintenance.list_releases(session, product)])
    if as_json:
        print_json(views)
        return
    table = Table("version", "released at")
    for view in views:
        table.add_row(view["version"], view["released_at"])
    console.print(table)
