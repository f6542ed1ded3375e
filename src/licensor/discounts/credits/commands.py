"""`licensor credits ...`: desktop licenses turned into credit by the vendor's staff."""

from __future__ import annotations

from typing import Any

import typer

NAME = "credits"
app = typer.Typer(help="Desktop licenses turned into credit (once per license).",
                  no_args_is_help=True)


@app.command("desktop-to-plugin")
def desktop_to_plugin(license_name: str, license_key: str) -> None:
    """Turn a desktop license into a single-use coupon for server plugins (half of its value
    at today's prices) and print the coupon as JSON; its code goes to the customer."""
    from licensor.core.commands import print_json, run_command
    from licensor.discounts import service as discounts
    from licensor.discounts.credits import service as credits

    def create(ctx: Any, session: Any, now: Any) -> dict[str, Any]:
        row = credits.desktop_to_plugin(ctx, session, license_name, license_key, now=now,
                                        actor="cli")
        return discounts.coupon_json(row)

    print_json(run_command(create))
