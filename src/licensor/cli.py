"""The `licensor` command: serve, operate the database, issue and inspect licenses."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from licensor import capabilities  # noqa: F401  (registers jobs, events, kinds)
from licensor.config import Settings
from licensor.core import mail_commands
from licensor.core.context import Context, build_context
from licensor.core.errors import LicensorError
from licensor.core.mail import deliver_all_due
from licensor.maintenance import commands as releases_commands
from licensor.maintenance import update_commands
from licensor.marketplace import commands as marketplace_commands
from licensor.orders import commands as orders_commands
from licensor.orders import quote_commands
from licensor.subscriptions import commands as subscriptions_commands
from licensor.webhooks import commands as webhooks_commands

app = typer.Typer(help="Licensor: licensing, upgrade and subscription back office.",
                  no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
licenses_app = typer.Typer(help="Perpetual licenses and their License Information.",
                           no_args_is_help=True)
keys_app = typer.Typer(help="Signing keys.", no_args_is_help=True)
tokens_app = typer.Typer(help="Admin API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
jobs_app = typer.Typer(help="Jobs that fall due with time.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(licenses_app, name="licenses")
app.add_typer(keys_app, name="keys")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")
app.add_typer(jobs_app, name="jobs")

# Each capability's command group, as `licensor NAME ...`.
for _group in (mail_commands, marketplace_commands, orders_commands, quote_commands,
               releases_commands, subscriptions_commands, update_commands,
               webhooks_commands):
    app.add_typer(_group.app, name=_group.NAME)

console = Console()
err = Console(stderr=True)


def context() -> Context:
    """A prepared context: migrations applied, catalog loaded, a signing key present."""
    from licensor.app import prepare

    ctx = build_context(Settings())
    prepare(ctx)
    return ctx


def fail(exc: LicensorError) -> None:
    err.print(f"[red]{exc.code}[/red]: {exc.message}")
    raise typer.Exit(2)


def run_command(fn: Any) -> Any:
    """Run one unit of work: commit on success, print a coded error on refusal."""
    ctx = context()
    try:
        with ctx.db.transaction() as session:
            result = fn(ctx, session, ctx.clock.now(session))
        # In the foreground: the process is about to exit, and nobody waits on a response.
        deliver_all_due(ctx)
        return result
    except LicensorError as exc:
        fail(exc)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
          access_log: Annotated[bool, typer.Option(
              help="Log every request (off behind a proxy that logs, or under load)")] = True
          ) -> None:
    """Serve the API (migrations and the default catalog are applied first)."""
    import uvicorn

    try:
        context().keyring.check_private_files()
    except LicensorError as exc:
        fail(exc)
    console.print(f"Licensor on http://{host}:{port} (docs at /docs), {workers} worker(s)")
    uvicorn.run("licensor.app:create_app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="info", access_log=access_log)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    from licensor.core.migrate import upgrade

    settings = Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    console.print("Database is up to date.")


# -- licenses ------------------------------------------------------------------------------

def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON, never wrapped by Rich."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _print_license(view: dict[str, Any]) -> None:
    print_json(view)


@licenses_app.command("issue")
def licenses_issue(product: str, seats: Annotated[int, typer.Option(min=1)],
                   name: Annotated[str, typer.Option("--name", help="License Name")],
                   email: Annotated[str, typer.Option("--email")],
                   channel: str = "direct", sen: str | None = None) -> None:
    """Issue a license and print its License Information."""
    from licensor.catalog import service as catalog
    from licensor.licenses import service as licenses
    from licensor.licenses.schemas import license_view

    def work(ctx: Context, session: Any, now: Any) -> dict[str, Any]:
        row = licenses.issue_license(ctx, session, product=catalog.get_product(session, product),
                                     seats=seats, license_name=name, email=email,
                                     channel=channel, sen=sen, now=now, actor="cli")
        return license_view(row, [])

    view = run_command(work)
    _print_license(view)


@licenses_app.command("show")
def licenses_show(license_id: str) -> None:
    """Show a license with its registrations."""
    from licensor.licenses import service as licenses
    from licensor.licenses.schemas import license_view

    _print_license(run_command(lambda ctx, s, now: license_view(licenses.get_license(s,
                                                                                     license_id))))


@licenses_app.command("list")
def licenses_list(email: str | None = None, product: str | None = None,
                  q: str | None = None, limit: int = 50) -> None:
    """Search licenses."""
    from licensor.licenses.repository import LicenseRepository

    def work(ctx: Context, session: Any, now: Any) -> list[Any]:
        return [(r.id, r.product, r.seats, r.license_name, r.email, r.status, r.channel)
                for r in LicenseRepository(session).search(email=email, product=product, q=q,
                                                           limit=limit)]

    table = Table("id", "product", "seats", "license name", "email", "status", "channel")
    for row in run_command(work):
        table.add_row(*[("unlimited" if v is None else str(v)) for v in row])
    console.print(table)


@licenses_app.command("revoke")
def licenses_revoke(license_id: str, reason: str) -> None:
    """Revoke a license: its key stops validating."""
    from licensor.licenses import service as licenses

    run_command(lambda ctx, s, now: licenses.revoke(ctx, s, license_id, reason, now=now,
                                                    actor="cli"))
    console.print(f"Revoked {license_id}.")


@licenses_app.command("verify")
def licenses_verify(name: Annotated[str, typer.Option("--name", help="License Name")],
                    key: Annotated[str, typer.Option("--key", help="License Key, or - for stdin")],
                    offline: bool = typer.Option(False, help="Only check the signature")) -> None:
    """Check License Information, online (with the license's status) or offline."""
    from licensor.licenses import service as licenses

    if key == "-":
        key = sys.stdin.read()

    def work(ctx: Context, session: Any, now: Any) -> dict[str, Any]:
        if offline:
            verdict = ctx.keyring.verifier(session).verify(name, key)
            return {"valid": verdict.valid, "code": verdict.code,
                    "claims": verdict.claims and verdict.claims.__repr__()}
        return licenses.validate(ctx, session, name, key).to_json()

    result = run_command(work)
    print_json(result)
    if not result["valid"]:
        raise typer.Exit(1)


def _bulk(kind: str, file: Path, channel: str, keys_out: Path | None, batch_size: int) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from licensor.bulk import service as bulk

    ctx = context()
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console) as progress:
        task = progress.add_task(f"{kind} {file.name}", total=None)

        def started(total: int, done: int) -> None:
            progress.update(task, total=total, completed=done)

        try:
            result = bulk.run(ctx, file, kind=kind, channel=channel, batch_size=batch_size,
                              on_start=started,
                              on_batch=lambda n: progress.advance(task, n))
        except LicensorError as exc:
            progress.stop()
            rows = exc.details.get("rows") if isinstance(exc.details, dict) else None
            if rows:
                table = Table("row", "code", "message", title=f"Rows of {file.name} to fix")
                for item in rows[:50]:
                    table.add_row(str(item["row"]), item["code"], item["message"])
                err.print(table)
                if len(rows) > 50:
                    err.print(f"... and {len(rows) - 50} more.")
            fail(exc)
            return
    verb = "Imported" if kind == "import" else "Issued"
    console.print(f"{verb} {result.imported_now} license(s) in {result.batches} batch(es) "
                  f"(job {result.job_id}; {result.total} rows, {result.already_done} done "
                  "before" + (", resumed" if result.resumed else "") + ").")
    if keys_out is not None:
        import csv

        rows = bulk.license_information(ctx, result.job_id)
        with keys_out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["row"])
            writer.writeheader()
            writer.writerows(rows)
        console.print(f"License Information of {len(rows)} row(s) written to {keys_out}.")


_CHANNEL = typer.Option(help="direct, or marketplace (then every row needs a sen)")
_KEYS_OUT = typer.Option(help="Write each row's license id and License Key to this CSV file")


@licenses_app.command("import")
def licenses_import(file: Path, channel: Annotated[str, _CHANNEL] = "direct",
                    keys_out: Annotated[Path | None, _KEYS_OUT] = None,
                    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 1000) -> None:
    """Import licenses sold before from a CSV file (see docs/bulk-import.md); resumable."""
    _bulk("import", file, channel, keys_out, batch_size)


@licenses_app.command("bulk-issue")
def licenses_bulk_issue(file: Path, channel: Annotated[str, _CHANNEL] = "direct",
                        keys_out: Annotated[Path | None, _KEYS_OUT] = None,
                        batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 1000
                        ) -> None:
    """Issue new licenses, one per CSV row, as of now (see docs/bulk-import.md); resumable."""
    _bulk("bulk-issue", file, channel, keys_out, batch_size)


# -- keys, tokens, audit, jobs --------------------------------------------------------------

@keys_app.command("list")
def keys_list() -> None:
    """List signing keys (public halves)."""
    table = Table("kid", "status", "created", "public key (base64)")
    for row in run_command(lambda ctx, s, now: [(r.kid, r.status, str(r.created_at), r.public_key)
                                                for r in ctx.keyring.all(s)]):
        table.add_row(*row)
    console.print(table)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Start signing with a new key; keys signed by the old one keep validating."""
    kid = run_command(lambda ctx, s, now: ctx.keyring.rotate(s, now, "cli").kid)
    console.print(f"New active signing key: {kid}")


@keys_app.command("retire")
def keys_retire(kid: str) -> None:
    """Stop accepting keys signed by an old signing key."""
    run_command(lambda ctx, s, now: ctx.keyring.retire(s, kid, now, "cli"))
    console.print(f"Retired {kid}.")


@keys_app.command("export")
def keys_export() -> None:
    """Print the public keys as JSON (for offline verifiers shipped in apps)."""
    data = run_command(lambda ctx, s, now: {r.kid: r.public_key for r in ctx.keyring.all(s)
                                            if r.status != "retired"})
    print_json({"algorithm": "Ed25519", "keys": data})


@tokens_app.command("create")
def tokens_create(name: str, expires_in: Annotated[str | None, typer.Option(
        help="Lifetime, e.g. 30d, 12h, 15m (default: until revoked)")] = None) -> None:
    """Create an admin API token (shown once; stored hashed)."""
    from licensor.core.tokens import create_token, parse_duration

    def work(ctx: Context, session: Any, now: Any) -> str:
        lifetime = parse_duration(expires_in) if expires_in is not None else None
        return create_token(session, name, ctx.clock.real_now(), lifetime)

    typer.echo(run_command(work))


@tokens_app.command("list")
def tokens_list() -> None:
    """List admin tokens (never their secrets) and whether each still works."""
    from licensor.core.tokens import list_tokens, status

    def work(ctx: Context, session: Any, now: Any) -> list[tuple[str, ...]]:
        real_now = ctx.clock.real_now()
        return [(r.id, r.name, status(r, real_now), f"{r.created_at:%Y-%m-%d %H:%M}",
                 f"{r.expires_at:%Y-%m-%d %H:%M}" if r.expires_at else "never",
                 f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "")
                for r in list_tokens(session)]

    table = Table("id", "name", "status", "created (UTC)", "expires", "revoked")
    for row in run_command(work):
        table.add_row(*row)
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token: Annotated[str, typer.Argument(help="The token's id or name")]) -> None:
    """Revoke an admin token: it stops working at once."""
    from licensor.core.tokens import revoke_token

    row = run_command(lambda ctx, s, now: revoke_token(s, token, ctx.clock.real_now()))
    console.print(f"Revoked admin token {row.name} ({row.id}).")


@app.command("backup")
def backup_command(path: Path, force: Annotated[bool, typer.Option(
        help="Replace PATH if it exists")] = False) -> None:
    """Back up the database and the signing keys into one owner-only file (docs/security.md)."""
    from licensor.core import backup

    settings = Settings()
    try:
        report = backup.backup(settings, path, force=force)
    except LicensorError as exc:
        fail(exc)
        return
    console.print(f"Backed up the {report.database} database and {report.keys} signing key(s) "
                  f"to {report.path} (owner-only: keep it as safe as the keys themselves).")


@app.command("restore")
def restore_command(path: Path) -> None:
    """Restore a backup into an empty data directory and an empty database."""
    from licensor.core import backup

    settings = Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    try:
        report = backup.restore(settings, path)
    except LicensorError as exc:
        fail(exc)
        return
    console.print(f"Restored the {report.database} database and {report.keys} signing key(s) "
                  f"from {report.path}. Check it with `licensor audit verify`, then serve.")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain end to end."""
    from licensor.core.audit import verify_chain

    report = run_command(lambda ctx, s, now: verify_chain(s))
    if report.ok:
        console.print(f"[green]Audit log intact[/green]: {report.entries} entries.")
        return
    err.print(f"[red]Audit log broken[/red] at entry {report.broken_at}: {report.reason} "
              f"({report.entries} entries verified before it).")
    raise typer.Exit(1)


@jobs_app.command("run")
def jobs_run() -> None:
    """Run every job that has fallen due now."""
    from licensor.core import jobs

    done = run_command(lambda ctx, s, now: jobs.run_due(ctx, s, now))
    print_json(done)



if __name__ == "__main__":
    app()
