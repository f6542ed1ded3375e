"""The portal's /downloads (what a license may download, newest first per platform) and the
license file offered on /license (**Download license file**)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from licensor.core.errors import LicensorError
from licensor.core.web.deps import Ctx, ReadSession, now_for
from licensor.core.web.portal import Form, render
from licensor.licenses.pasted import read_pasted
from licensor.releases import service as releases
from licensor.releases.license_files import service as license_files

router = APIRouter(include_in_schema=False)


def human_size(size: int) -> str:
    """Bytes for people: 1 decimal from KB up (1000-based, as operating systems show them)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"  # display only: no money or sum goes through it
    return f"{size} bytes"


def _listing(request: Request, ctx: Any, session: Any, form: dict[str, str], *,
             status: int = 200, errors: dict[str, str] | None = None) -> Response:
    name, key = read_pasted(form.get("license_name", ""), form.get("license_key", ""))
    values = {"license_name": name, "license_key": key}
    try:
        product, platforms = releases.downloads_for(ctx, session, name, key)
    except LicensorError as exc:
        return render(request, "releases/downloads.html", status=exc.status, form=values,
                      errors={"license_key": exc.message, "_code": exc.code}, platforms=None)
    return render(request, "releases/downloads.html", status=status, form=values,
                  errors=errors or {}, product=product, platforms=platforms,
                  human_size=human_size)


@router.get("/downloads")
def downloads_start(request: Request) -> Response:
    return render(request, "releases/downloads.html", form={}, errors={}, platforms=None)


@router.post("/downloads")
def downloads_list(request: Request, ctx: Ctx, session: ReadSession, form: Form) -> Response:
    return _listing(request, ctx, session, form)


@router.post("/downloads/file")
def downloads_file(request: Request, ctx: Ctx, session: ReadSession, form: Form) -> Response:
    """The **Download** button: the update rule decides again, then to the signed link."""
    name, key = read_pasted(form.get("license_name", ""), form.get("license_key", ""))
    try:
        row = releases.choose_artifact(ctx, session, name, key, form.get("platform", ""),
                                       form.get("version", ""), "stable")
    except LicensorError as exc:
        return _listing(request, ctx, session, form, status=exc.status,
                        errors={"_form": exc.message, "_code": exc.code})
    path, _expires = releases.link(ctx, row, ctx.clock.real_now())
    return RedirectResponse(path, status_code=303)


@router.post("/license/file")
def license_file(request: Request, ctx: Ctx, session: ReadSession, form: Form) -> Response:
    """**Download license file**: a signed license file, bound to the machine when a
    fingerprint is given, as a JSON file the browser saves."""
    name, key = read_pasted(form.get("license_name", ""), form.get("license_key", ""))
    fingerprint = form.get("fingerprint", "").strip() or None
    values = {"license_name": name, "license_key": key, "fingerprint": fingerprint or ""}
    if fingerprint is not None and (len(fingerprint) > 256 or "\x00" in fingerprint):
        return render(request, "releases/license_file.html", status=422, form=values,
                      errors={"fingerprint": "A machine fingerprint is at most 256 "
                                             "characters; paste the one your app shows."})
    try:
        document = license_files.checkout(ctx, session, name, key, ttl=None,
                                          fingerprint=fingerprint, encrypt=False,
                                          now=now_for(ctx, session))
    except LicensorError as exc:
        field = "fingerprint" if exc.code == "INVALID_REQUEST" else "license_key"
        return render(request, "releases/license_file.html", status=exc.status, form=values,
                      errors={field: exc.message, "_code": exc.code})
    return Response(json.dumps(document, indent=2) + "\n", media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="license.json"',
                             "Cache-Control": "no-store"})
