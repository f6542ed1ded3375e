"""`licensor serve`, `db`, `keys`, `tokens`, `audit`, `backup`, `restore`: running and keeping an
installation."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from licensor.core import quick_read
from licensor.core.commands import (
    JSON_OPTION,
    console,
    context,
    err,
    fail,
    print_json,
    run_command,
)
from licensor.core.commands import secrets as secret_commands
from licensor.core.errors import LicensorError

if TYPE_CHECKING:
    from licensor.core.context import Context

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="Signing keys.", no_args_is_help=True)
tokens_app = typer.Typer(help="Admin API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)


class Server(str, Enum):
    auto = "auto"
    uvicorn = "uvicorn"
    gunicorn = "gunicorn"
    granian = "granian"


def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
          access_log: Annotated[bool, typer.Option(
              help="Log every request (off behind a proxy that logs, or under load)")] = True,
          server: Annotated[Server, typer.Option(
              help="HTTP server: auto is uvicorn for one worker, granian for several "
                   "(docs/performance.md)")] = Server.auto,
          ) -> None:
    """Serve the API (migrations and the default catalog are applied first)."""
    from licensor.core import serving

    try:
        ctx = context()
        ctx.keyring.check_private_files()
        ctx.secrets.sealer  # noqa: B018  (a key-encryption key given wrongly stops the start)
        with ctx.db.reader() as session:
            problem = ctx.keyring.problem(session)
    except LicensorError as exc:
        fail(exc)
    if problem is not None:  # served anyway: /healthz says it, the load balancer skips it
        err.print(f"[red]This host cannot sign[/red] (GET /healthz answers 503): {problem}",
                  markup=True, highlight=False)
    chosen = serving.pick(server.value, workers)
    typer.echo(f"Licensor on http://{host}:{port} (docs at /docs), {workers} worker(s), "
               f"{chosen}")  # one line, never wrapped: logs and tests read it
    serving.run(chosen, host=host, port=port, workers=workers, access_log=access_log)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    from licensor.config import Settings
    from licensor.core.migrate import upgrade
    from licensor.core.secrets import ensure_home

    settings = Settings()
    ensure_home(settings.home)
    upgrade(settings.resolved_database_url)
    console.print("Database is up to date.")


# -- keys ----------------------------------------------------------------------------------

@keys_app.command("list")
def keys_list(as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """List signing keys (public halves)."""
    rows = quick_read.read(quick_read.signing_keys)  # None: not sure, so the usual path
    if rows is None:
        rows = run_command(lambda ctx, s, now: [
            {"kid": r.kid, "status": r.status, "created_at": str(r.created_at),
             "public_key": r.public_key} for r in ctx.keyring.all(s)], registries=False)
    if as_json:
        print_json(rows)
        return
    table = Table("kid", "status", "created", "public key (base64)")
    for row in rows:
        table.add_row(*row.values())
    console.print(table)


@keys_app.command("rotate")
def keys_rotate(as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Start signing with a new key; keys signed by the old one keep validating."""
    kid = run_command(lambda ctx, s, now: ctx.keyring.rotate(s, now, "cli").kid)
    if as_json:
        print_json({"kid": kid, "status": "active"})
        return
    console.print(f"New active signing key: {kid}")


@keys_app.command("retire")
def keys_retire(kid: str) -> None:
    """Stop accepting keys signed by an old signing key."""
    run_command(lambda ctx, s, now: ctx.keyring.retire(s, kid, now, "cli"))
    console.print(f"Retired {kid}.")


@keys_app.command("export")
def keys_export(private: Annotated[Path | None, typer.Option(
        help="Instead: write the private keys into this folder (owner-only), as `licensor keys "
             "import` reads them")] = None) -> None:
    """Print the public keys as JSON for offline verifiers shipped in apps: the document GET
    /v1/signing-keys serves, without retired keys (licensor.verify.public_keys_from_json and
    the JavaScript verifier read it as it is)."""
    if private is not None:
        count = secret_commands.export_private(private)
        console.print(f"Wrote {count} private signing key(s) to {private}: keep them as safe "
                      "as the installation itself, and delete them once used.")
        return
    data = run_command(lambda ctx, s, now: [
        {"kid": r.kid, "algorithm": "Ed25519", "public_key": r.public_key, "status": r.status}
        for r in ctx.keyring.all(s) if r.status != "retired"])
    print_json({"data": data, "next_cursor": None})


keys_app.command("import")(secret_commands.keys_import)


# -- tokens --------------------------------------------------------------------------------

@tokens_app.command("create")
def tokens_create(name: str, expires_in: Annotated[str | None, typer.Option(
        help="Lifetime, e.g. 30d, 12h, 15m (default: until revoked)")] = None) -> None:
    """Create an admin API token (shown once; stored hashed)."""
    from licensor.core.tokens import create_token, parse_duration

    def work(ctx: Context, session: Any, now: Any) -> str:
        lifetime = parse_duration(expires_in) if expires_in is not None else None
        return create_token(session, name, ctx.clock.real_now(), lifetime)

    typer.echo(run_command(work))


def _minute(moment: Any) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else ""


@tokens_app.command("list")
def tokens_list(as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """List admin tokens (never their secrets) and whether each still works."""
    from licensor.core.tokens import list_tokens, status
    from licensor.core.web.views import iso

    def work(ctx: Context, session: Any, now: Any) -> list[dict[str, Any]]:
        real_now = ctx.clock.real_now()
        return [{"id": r.id, "name": r.name, "status": status(r, real_now),
                 "created_at": r.created_at, "expires_at": r.expires_at,
                 "revoked_at": r.revoked_at} for r in list_tokens(session)]

    rows = run_command(work)
    if as_json:
        print_json([{**r, **{k: iso(r[k]) for k in ("created_at", "expires_at", "revoked_at")}}
                    for r in rows])
        return
    table = Table("id", "name", "status", "created (UTC)", "expires", "revoked")
    for r in rows:
        table.add_row(r["id"], r["name"], r["status"], _minute(r["created_at"]),
                      _minute(r["expires_at"]) or "never", _minute(r["revoked_at"]))
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token: Annotated[str, typer.Argument(help="The token's id or name")]) -> None:
    """Revoke an admin token: it stops working at once."""
    from licensor.core.tokens import revoke_token

    row = run_command(lambda ctx, s, now: revoke_token(s, token, ctx.clock.real_now()))
    console.print(f"Revoked admin token {row.name} ({row.id}).")


# -- audit, backup, restore ----------------------------------------------------------------

@audit_app.command("verify")
def audit_verify(as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Check the audit log's hash chain end to end."""
    from licensor.core.audit import verify_chain

    report = run_command(lambda ctx, s, now: verify_chain(s))
    if as_json:
        print_json({"ok": report.ok, "entries": report.entries, "broken_at": report.broken_at,
                    "reason": report.reason})
    elif report.ok:
        console.print(f"[green]Audit log intact[/green]: {report.entries} entries.")
    else:
        err.print(f"[red]Audit log broken[/red] at entry {report.broken_at}: {report.reason} "
                  f"({report.entries} entries verified before it).")
    if not report.ok:
        raise typer.Exit(1)


def backup_command(path: Path, force: Annotated[bool, typer.Option(
        help="Replace PATH if it exists")] = False) -> None:
    """Back up the database and the signing keys into one owner-only file (docs/security.md)."""
    from licensor.config import Settings
    from licensor.core import backup

    settings = Settings()
    try:
        report = backup.backup(settings, path, force=force)
    except LicensorError as exc:
        fail(exc)
    console.print(f"Backed up the {report.database} database and {report.keys} signing key(s) "
                  f"to {report.path} (owner-only: keep it as safe as the keys themselves).")


def restore_command(path: Path) -> None:
    """Restore a backup into an empty data directory and an empty database."""
    from licensor.config import Settings
    from licensor.core import backup
    from licensor.core.secrets import ensure_home

    settings = Settings()
    ensure_home(settings.home)
    try:
        report = backup.restore(settings, path)
    except LicensorError as exc:
        fail(exc)
    console.print(f"Restored the {report.database} database and {report.keys} signing key(s) "
                  f"from {report.path}. Check it with `licensor audit verify`, then serve.")
