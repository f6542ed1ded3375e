"""`licensor migrations ...`: marketplace migration requests, for administrators."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

NAME = "migrations"
app = typer.Typer(help="Requests to move direct server licenses to the marketplace.",
                  no_args_is_help=True)


def _print(view: dict[str, Any]) -> None:
    typer.echo(json.dumps(view, indent=2, ensure_ascii=False))


@app.command("list")
def list_requests(
        status: Annotated[str, typer.Option(help="open (default), all, awaiting_upgrade, "
                                                 "pending, completed or rejected")] = "open",
        limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """List migration requests, oldest first."""
    from rich.table import Table

    from licensor.core.commands import console, fail, run_command
    from licensor.core.errors import LicensorError
    from licensor.marketplace import service as marketplace
    from licensor.marketplace.rules import users
    from licensor.marketplace.schemas import migration_view

    try:
        statuses = marketplace.statuses_for(status)
    except LicensorError as exc:
        fail(exc)
        return
    views = run_command(lambda ctx, s, now: [migration_view(r) for r in marketplace.page(
        s, statuses, limit=limit)])
    if as_json:
        typer.echo(json.dumps(views, indent=2, ensure_ascii=False))
        return
    table = Table("id", "status", "requested", "product", "seats → tier", "organisation")
    table.columns[0].no_wrap = True
    for v in views:
        table.add_row(v["id"], v["status"], v["created_at"][:10], v["product"],
                      f"{users(v['license_seats'])} → {users(v['required_seats'])}",
                      v["organisation"])
    console.print(table)


@app.command("show")
def show(migration_id: str) -> None:
    """Show one migration request."""
    from licensor.core.commands import run_command
    from licensor.marketplace import service as marketplace
    from licensor.marketplace.schemas import migration_view

    _print(run_command(lambda ctx, s, now: migration_view(marketplace.get_migration(s,
                                                                                    migration_id))))


@app.command("complete")
def complete(migration_id: str,
             sen: Annotated[str, typer.Option("--sen", help="The marketplace's license number")]
             ) -> None:
    """Complete a pending request: the license becomes a marketplace license with this SEN."""
    from licensor.core.commands import run_command
    from licensor.marketplace import service as marketplace
    from licensor.marketplace.schemas import migration_view

    def work(ctx: Any, session: Any, now: Any) -> dict[str, Any]:
        row, lic = marketplace.complete(ctx, session, migration_id, sen, now=now, actor="cli")
        return migration_view(row, lic)

    _print(run_command(work))


@app.command("reject")
def reject(migration_id: str,
           reason: Annotated[str, typer.Option("--reason", help="Told to the customer")]) -> None:
    """Reject (cancel) an open request; the customer is mailed the reason."""
    from licensor.core.commands import run_command
    from licensor.marketplace import service as marketplace
    from licensor.marketplace.schemas import migration_view

    _print(run_command(lambda ctx, s, now: migration_view(
        marketplace.reject(ctx, s, migration_id, reason, now=now, actor="cli"))))
