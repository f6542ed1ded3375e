"""`licensor releases upload`: a release's file for one platform, into this installation's
artifact store (or, with --server, to a running Licensor over HTTP). The composition (cli.py)
adds it to the `releases` group."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
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
    return {**releases.artifact_view(row), "created": created}


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
