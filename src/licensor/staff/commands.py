"""`licensor staff ...`: the admin console's staff accounts."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

NAME = "staff"
app = typer.Typer(help="Staff accounts of the admin console (/admin).", no_args_is_help=True)


class Role(str, Enum):
    admin = "admin"
    support = "support"


@app.command("add")
def add(email: str,
        role: Annotated[Role, typer.Option(help="admin: every action; support: reads and "
                                                "resends License Information")],
        password_stdin: Annotated[bool, typer.Option(
            "--password-stdin", help="Read the password from standard input")] = False) -> None:
    """Add a staff member who logs in at /admin/login (the password is asked)."""
    from licensor.core.commands import print_json, run_command
    from licensor.staff import service as staff

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    row = run_command(lambda ctx, s, now: staff.view(staff.add_staff(
        s, email=email, password=password, role=role.value, now=now, actor="cli")))
    print_json(row)


@app.command("list")
def list_members() -> None:
    """Every staff member and their role."""
    from licensor.core.commands import print_json, run_command
    from licensor.staff import service as staff

    print_json(run_command(lambda ctx, s, now: [staff.view(r) for r in staff.list_staff(s)]))


@app.command("remove")
def remove(staff_id: str) -> None:
    """Remove a staff member; their console sessions end."""
    from licensor.core.commands import run_command
    from licensor.staff import service as staff

    run_command(lambda ctx, s, now: staff.remove_staff(s, staff_id, now=now, actor="cli"))
    typer.echo(f"Removed {staff_id}.")
