"""`licensor secrets ...` and `licensor keys import`, `keys export --private`: moving an
installation's secrets into the database, where every host reads them (core/secrets.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from licensor.core.commands import JSON_OPTION, console, fail, print_json

secrets_app = typer.Typer(help="Secrets every host shares (sealed in the database).",
                          no_args_is_help=True)

_DIR_HELP = "Folder of <kid>.ed25519 files (default: LICENSOR_HOME/keys)"


def _import_keys(ctx: Any, session: Any, now: Any, folder: Path | None) -> dict[str, str]:
    from licensor.core.errors import LicensorError
    from licensor.core.signing import Keyring

    keyring = ctx.keyring if folder is None else Keyring(folder, ctx.secrets)
    if folder is not None and not folder.is_dir():
        raise LicensorError("SIGNING_KEY_NOT_FOUND", f"There is no folder {folder}; give the "
                            "folder holding the <kid>.ed25519 files.", {"path": str(folder)})
    return {kid: ctx.keyring.import_private(session, key, now, "cli")
            for kid, key in keyring.disk_keys().items()}


def keys_import(folder: Annotated[Path | None, typer.Argument(help=_DIR_HELP)] = None,
                as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Seal private signing keys from files into the database, under their own kids (an
    installation from before keys lived there, or keys written by `keys export --private`)."""
    from licensor.core.commands import run_command

    done = run_command(lambda ctx, s, now: _import_keys(ctx, s, now, folder))
    if as_json:
        print_json(done)
        return
    for kid, outcome in done.items():
        console.print(f"{kid}: {outcome}")
    console.print(f"{len(done)} key file(s) read. Once every host serves, the files are no "
                  "longer needed: keep a copy offline and delete them.")


def export_private(folder: Path) -> int:
    """Write every private key this host can open to `folder` (owner-only), as
    `keys import` reads them; the number written."""
    import base64
    import os

    from licensor.core.commands import run_command

    keys = run_command(lambda ctx, s, now: ctx.keyring.export_private(s))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    for kid, key in keys.items():
        path = folder / f"{kid}.ed25519"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(base64.b64encode(bytes(key)) + b"\n")
    return len(keys)


@secrets_app.command("import")
def secrets_import(as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Move this host's secrets into the database: the signing keys in LICENSOR_HOME/keys and
    the portal's secret in LICENSOR_HOME/portal-secret (kids and signed links unchanged)."""
    from licensor.core.commands import context, run_command
    from licensor.core.errors import LicensorError

    keys = run_command(lambda ctx, s, now: _import_keys(ctx, s, now, None))
    ctx = context()
    legacy = ctx.settings.home / "portal-secret"
    portal = "none on disk"
    try:
        if legacy.is_file():
            stored = ctx.secrets.put(ctx.db, "portal", legacy.read_text().strip().encode())
            portal = "imported" if stored else "present (the database's is kept)"
    except LicensorError as exc:
        fail(exc)
    if as_json:
        print_json({"signing_keys": keys, "portal_secret": portal})
        return
    for kid, outcome in keys.items():
        console.print(f"signing key {kid}: {outcome}")
    console.print(f"portal secret: {portal}")


@secrets_app.command("status")
def secrets_status(as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Where this host's key-encryption key comes from, and whether it opens every secret."""
    from licensor.core.commands import context
    from licensor.core.errors import LicensorError

    ctx = context()
    try:
        sealer = ctx.secrets.sealer
        with ctx.db.reader() as session:
            problem = ctx.keyring.problem(session)
        stored = ctx.secrets.names(ctx.db)
    except LicensorError as exc:
        fail(exc)
    report = {"key_encryption_key": {"source": sealer.source, "fingerprint": sealer.kek_id},
              "secrets": {name: {"sealed_with": kek, "opens": kek == sealer.kek_id}
                          for name, kek in stored.items()},
              "signing": "ok" if problem is None else problem}
    if as_json:
        print_json(report)
    else:
        console.print(f"Key-encryption key {sealer.kek_id} from {sealer.source}")
        for name, kek in stored.items():
            console.print(f"{name}: sealed with {kek}"
                          + ("" if kek == sealer.kek_id else " [red](not this host's key)[/red]"))
        console.print(f"signing: {report['signing']}", markup=False)
    if problem is not None:
        raise typer.Exit(1)


@secrets_app.command("generate-key")
def secrets_generate_key() -> None:
    """Print a new key-encryption key for LICENSOR_SECRET_KEY (give every host the same)."""
    from licensor.core.secrets import generate_key

    typer.echo(generate_key())
