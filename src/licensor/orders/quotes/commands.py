"""`licensor quotes create`: price a new license, an upgrade or a renewal."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from licensor.config import Settings

NAME = "quotes"
app = typer.Typer(help="Quotes (estimates) for new licenses, upgrades and renewals.",
                  no_args_is_help=True)


@app.command("create", help=f"Create a quote, valid {Settings().quote_validity_days} days, "
             "and print it as JSON.")
def create(kind: Annotated[str, typer.Option(help="new, upgrade or renewal")] = "new",
           product: Annotated[str | None, typer.Option(help="Product code (new)")] = None,
           seats: Annotated[int | None, typer.Option(
               min=1, help="Seats (new), the new total (upgrade); omit for unlimited")] = None,
           name: Annotated[str | None, typer.Option("--name", help="License Name")] = None,
           key: Annotated[str | None, typer.Option("--key", help="License Key")] = None) -> None:
    from licensor.core.commands import print_json, run_command
    from licensor.orders.enums import QuoteKind
    from licensor.orders.quotes import service as quotes
    from licensor.orders.schemas import quote_view

    body: dict[str, Any] = {"kind": kind}
    if kind == QuoteKind.NEW:
        body.update(product=product, seats=seats)
    else:
        body.update(license_name=name or "", license_key=key or "")
        if kind == QuoteKind.UPGRADE:
            body["seats"] = seats
    print_json(run_command(lambda ctx, s, now: quote_view(
        quotes.create_quote(ctx, s, body, now=now, actor="cli"))))
