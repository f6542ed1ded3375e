"""`licensor updates check`: may this License Information install that version?"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

NAME = "updates"
app = typer.Typer(help="Update checks (maintenance and major-version policy).",
                  no_args_is_help=True)


@app.command("check")
def check(name: Annotated[str, typer.Option("--name", help="License Name")],
          key: Annotated[str, typer.Option("--key", help="License Key, or - for stdin")],
          version: Annotated[str, typer.Option("--version", help="Version to install")]
          ) -> None:
    """Print the answer as JSON; exit status 1 when the version may not be installed."""
    from licensor.core.commands import print_json, run_command
    from licensor.maintenance import service as maintenance

    if key == "-":
        key = sys.stdin.read()

    def work(ctx: Any, session: Any, now: Any) -> dict[str, Any]:
        return maintenance.check_update(ctx, session, name, key, version)

    answer = run_command(work)
    print_json(answer)
    if not answer["allowed"]:
        raise typer.Exit(1)
