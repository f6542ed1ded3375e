"""`licensor releases upload`: a release's file for one platform, into this installation's
artifact store (or, with --server, to a running Licensor over HTTP). The composition (cli.py)
adds it to the `releases` group."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

CHUNK = 1024 * 1024


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk


def _upload_here(product: str, version: str, platform: str, file: Path,
                 filename: str) -> dict[str, Any]:
    from licensor.config import Settings
    from licensor.core.commands import run_command
    from licensor.releases import service as releases
    from licensor.releases.schemas import Artifact
    from licensor.releases.storage import discard

    target = releases.store(Settings()).spool()
    digest, size = hashlib.sha256(), 0
    with target:
        for chunk in _chunks(file):
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    spooled = releases.Spooled(Path(target.name), size, digest.hexdigest())
    try:
        row, created = run_command(lambda ctx, session, now: releases.keep_artifact(
            ctx, session, product, version, platform, filename, spooled, now=now, actor="cli"))
    finally:
        discard(spooled.path)
    return {**Artifact.view(row), "created": created}


def _upload_to(server: str, token: str, product: str, version: str, platform: str,
               file: Path, filename: str) -> dict[str, Any]:
    import httpx  # only this command needs an HTTP client

    url = f"{server.rstrip('/')}/v1/products/{product}/releases/{version}/artifacts/{platform}"
    response = httpx.put(url, params={"filename": filename}, content=_chunks(file),
                         headers={"Authorization": f"Bearer {token}",
                                  "Content-Type": "application/octet-stream",
                                  "Content-Length": str(file.stat().st_size)},
                         timeout=httpx.Timeout(60, write=None))
    answer: dict[str, Any] = response.json()
    if response.status_code >= 400:
        error = answer.get("error", {})
        typer.echo(f"{error.get('code')}: {error.get('message')}", err=True)
        raise typer.Exit(2)
    return {**answer, "created": response.status_code == 201}


def upload(product: Annotated[str, typer.Argument(help="Product code, e.g. desktop")],
           version: Annotated[str, typer.Argument(help="The release, e.g. 3.5.0")],
           platform: Annotated[str, typer.Argument(help="e.g. windows-x64, macos, linux")],
           file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                                help="The file to publish")],
           filename: Annotated[str | None, typer.Option(
               help="The name customers download it as; default the file's name")] = None,
           server: Annotated[str | None, typer.Option(
               help="Upload to this Licensor (https://...) instead of this installation's "
                    "store; the admin token comes from --token or LICENSOR_ADMIN_TOKEN")] = None,
           token: Annotated[str | None, typer.Option(help="Admin token for --server")] = None,
           ) -> None:
    """Publish a release's file for one platform: prints the artifact (size, SHA-256,
    signature) as JSON. The release must exist (`licensor releases add`)."""
    from licensor.core.commands import print_json

    name = filename or file.name
    if server is None:
        print_json(_upload_here(product, version, platform, file, name))
        return
    secret = token or os.environ.get("LICENSOR_ADMIN_TOKEN")
    if not secret:
        raise typer.BadParameter("--server needs an admin token: --token or "
                                 "LICENSOR_ADMIN_TOKEN.", param_hint="--token")
    print_json(_upload_to(server, secret, product, version, platform, file, name))


# -- license files (added to the `licenses` group by cli.py) ---------------------------------------

def checkout(name: Annotated[str, typer.Option("--name", help="License Name")],
             key: Annotated[str, typer.Option("--key", help="License Key, or - for stdin")],
             ttl: Annotated[int | None, typer.Option(
                 help="Seconds the file is valid (3600 to 31536000; default 30 days)")] = None,
             fingerprint: Annotated[str | None, typer.Option(
                 help="Bind the file to this machine fingerprint")] = None,
             encrypt: Annotated[bool, typer.Option(
                 help="Encrypt it with the License Key")] = False,
             out: Annotated[Path | None, typer.Option(
                 help="Write the file here instead of printing it")] = None) -> None:
    """A license file for a machine without internet (JSON)."""
    from licensor.core.commands import print_json, run_command
    from licensor.releases.license_files import service as license_files

    if key == "-":
        key = sys.stdin.read()
    document = run_command(lambda ctx, session, now: license_files.checkout(
        ctx, session, name, key, ttl=ttl, fingerprint=fingerprint, encrypt=encrypt, now=now))
    if out is None:
        print_json(document)
        return
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def verify_file(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                                     help="The license file")],
                key: Annotated[str | None, typer.Option(
                    "--key", help="License Key (for an encrypted file)")] = None,
                fingerprint: Annotated[str | None, typer.Option(
                    help="This machine's fingerprint (for a file bound to one)")] = None,
                keys: Annotated[Path | None, typer.Option(
                    help="The vendor's public keys (a saved GET /v1/signing-keys answer); "
                         "default this installation's")] = None) -> None:
    """Check a license file offline; prints the verdict as JSON, exit status 1 unless VALID."""
    from licensor.core.commands import print_json, run_command
    from licensor.verify import verify_license_file

    if keys is not None:
        public_keys = json.loads(keys.read_text(encoding="utf-8"))
    else:
        public_keys = run_command(lambda ctx, session, now: {"data": [
            {"kid": r.kid, "public_key": r.public_key, "status": r.status}
            for r in ctx.keyring.all(session)]})
    check = verify_license_file(file.read_text(encoding="utf-8"), public_keys,
                                license_key=key, fingerprint=fingerprint)
    print_json({"code": check.code, "valid": check.valid, "license": check.license,
                "fingerprint": check.fingerprint, "expires_at": check.expires_at})
    if not check.valid:
        raise typer.Exit(1)


COMMANDS: dict[str, Callable[..., None]] = {"checkout": checkout, "verify-file": verify_file}
