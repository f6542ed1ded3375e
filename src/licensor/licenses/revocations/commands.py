"""`licensor revocations export FILE`: the signed revocation list, to ship inside an app
release (it verifies offline; licensor.verify and clients/js read it)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from licensor.core.commands import console, context, fail
from licensor.core.errors import LicensorError

NAME = "revocations"
app = typer.Typer(help="The signed revocation list for offline apps.", no_args_is_help=True)


@app.command("export")
def export(file: Annotated[Path, typer.Argument(help="Where to write it ('-': standard output)")]
           ) -> None:
    """Write the current signed revocation list (as GET /v1/revocations serves it)."""
    from licensor.licenses.revocations import service as revocations

    ctx = context()
    ctx.keyring.check_private_files()  # re-signing may be due
    document = revocations.current_document(ctx)
    if str(file) == "-":
        typer.echo(document.decode("ascii"))
        return
    tmp = file.with_name(file.name + ".tmp")
    try:
        tmp.write_bytes(document + b"\n")
        os.replace(tmp, file)  # never a half-written list in the app's build
    except OSError as exc:
        fail(LicensorError("FILE_NOT_WRITTEN", f"Could not write {file}: {exc.strerror}. Check "
                           "that its directory exists and that you may write to it.",
                           {"path": str(file)}))
    from licensor.verify.revocations import decode_base64url

    payload = json.loads(decode_base64url(json.loads(document)["payload"]) or b"{}")
    console.print(f"wrote {file}: sequence {payload['sequence']}, "
                  f"{len(payload['licenses'])} license(s), next update {payload['next_update']}")
