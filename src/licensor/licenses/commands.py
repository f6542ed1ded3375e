"""`licensor licenses issue|show|list|revoke|verify` (import and bulk-issue come from bulk)."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer

from licensor.core import quick_read
from licensor.core.commands import JSON_OPTION, console, print_json, run_command

if TYPE_CHECKING:
    from licensor.core.context import Context

NAME = "licenses"
app = typer.Typer(help="Perpetual licenses and their License Information.",
                  no_args_is_help=True)


@app.command("issue")
def issue(product: str, seats: Annotated[int, typer.Option(min=1)],
          name: Annotated[str, typer.Option("--name", help="License Name")],
          email: Annotated[str, typer.Option("--email")],
          channel: str = "direct", sen: str | None = None) -> None:
    """Issue a license and print its License Information (JSON)."""
    from licensor.catalog import service as catalog
    from licensor.licenses import service as licenses
    from licensor.licenses.schemas import License

    def work(ctx: Context, session: Any, now: Any) -> dict[str, Any]:
        row = licenses.issue_license(ctx, session, product=catalog.get_product(session, product),
                                     seats=seats, license_name=name, email=email,
                                     channel=channel, sen=sen, now=now, actor="cli")
        return License.view(row, registrations=[])

    print_json(run_command(work))


@app.command("show")
def show(license_id: str) -> None:
    """Show a license with its registrations (JSON)."""
    from licensor.licenses import service as licenses
    from licensor.licenses.schemas import License

    print_json(run_command(lambda ctx, s, now: License.view(licenses.get_license(s,
                                                                                 license_id))))


_LIST_FIELDS = ("id", "product", "seats", "license_name", "email", "status", "channel")


@app.command("list")
def list_licenses(email: str | None = None, product: str | None = None,
                  q: str | None = None, limit: int = 50,
                  as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Search licenses (seats null = unlimited)."""
    from rich.table import Table

    from licensor.licenses.repository import LicenseRepository

    def work(ctx: Context, session: Any, now: Any) -> list[dict[str, Any]]:
        return [{field: getattr(r, field) for field in _LIST_FIELDS}
                for r in LicenseRepository(session).search(email=email, product=product, q=q,
                                                           limit=limit)]

    rows = run_command(work)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "product", "seats", "license name", "email", "status", "channel")
    for row in rows:
        table.add_row(*[("unlimited" if v is None else str(v)) for v in row.values()])
    console.print(table)


@app.command("revoke")
def revoke(license_id: str, reason: str,
           as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Revoke a license: its key stops validating."""
    from licensor.licenses import service as licenses
    from licensor.licenses.schemas import License

    def work(ctx: Context, session: Any, now: Any) -> dict[str, Any]:
        return License.view(licenses.revoke(ctx, session, license_id, reason, now=now,
                                            actor="cli"))

    view = run_command(work)
    if as_json:
        print_json(view)
        return
    console.print(f"Revoked {license_id}.")


@app.command("verify")
def verify(name: Annotated[str, typer.Option("--name", help="License Name")],
           key: Annotated[str, typer.Option("--key", help="License Key, or - for stdin")],
           offline: bool = typer.Option(False, help="Only check the signature")) -> None:
    """Check License Information, online (with the license's status) or offline; prints JSON
    and exits 1 when it is not valid."""
    if key == "-":
        key = sys.stdin.read()

    def work(ctx: Context, session: Any, now: Any) -> dict[str, Any]:
        if offline:
            verdict = ctx.keyring.verifier(session).verify(name, key)
            return {"valid": verdict.valid, "code": verdict.code,
                    "claims": asdict(verdict.claims) if verdict.claims else None}
        from licensor.licenses import service as licenses

        return licenses.validate(ctx, session, name, key).to_json()

    result = _quick_offline(name, key) if offline else None
    if result is None:  # either way the license is only read
        result = run_command(work, registries=False)
    print_json(result)
    if not result["valid"]:
        raise typer.Exit(1)


def _quick_offline(name: str, key: str) -> dict[str, Any] | None:
    """`verify --offline` on the quick read path (core/quick_read.py); None: the usual path."""
    keys = quick_read.read(quick_read.public_keys)
    if keys is None:
        return None
    from licensor.verify import Verifier

    verdict = Verifier(keys).verify(name, key)
    return {"valid": verdict.valid, "code": verdict.code,
            "claims": asdict(verdict.claims) if verdict.claims else None}
