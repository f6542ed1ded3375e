"""`licensor reports tax`: the figures of the One-Stop Shop return (docs/tax.md)."""

from __future__ import annotations

from typing import Any

import typer

NAME = "reports"
app = typer.Typer(help="Reports for the vendor's books.", no_args_is_help=True)



@app.command("tax")
def tax_report(start: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD"),
               end: str = typer.Option(..., "--to", help="Last day (included), YYYY-MM-DD"),
               csv: bool = typer.Option(False, "--csv", help="CSV instead of JSON")) -> None:
    """Net and tax per country, treatment, currency and rate over the invoices and credit
    notes issued from --from to --to (credit notes count negative)."""
    from licensor.core.commands import print_json, run_command
    from licensor.tax import documents

    def report(ctx: Any, session: Any, now: Any) -> list[dict[str, Any]]:
        first, last = documents.report_range(start, end)
        return documents.tax_report(session, first, last)

    rows = run_command(report)
    if csv:
        typer.echo(documents.report_csv(rows), nl=False)
    else:
        print_json({"data": rows})
