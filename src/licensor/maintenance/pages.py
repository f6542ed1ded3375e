"""/updates: may this license install that version?"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from licensor.core.errors import LicensorError
from licensor.core.web.deps import Ctx, ReadSession
from licensor.core.web.portal import Form, render
from licensor.licenses.pasted import read_pasted
from licensor.maintenance import service as maintenance

router = APIRouter(include_in_schema=False)

VERSION_CODES = {"INVALID_VERSION", "UNKNOWN_VERSION"}


@router.get("/updates")
def updates_start(request: Request) -> Response:
    return render(request, "maintenance/updates.html", form={}, errors={}, answer=None)


@router.post("/updates")
def updates_post(request: Request, ctx: Ctx, session: ReadSession, form: Form) -> Response:
    name, key = read_pasted(form.get("license_name", ""), form.get("license_key", ""))
    values = {**form, "license_name": name, "license_key": key}
    try:
        answer = maintenance.check_update(ctx, session, name, key,
                                          form.get("version", "").strip())
    except LicensorError as exc:
        field = "version" if exc.code in VERSION_CODES else "license_key"
        return render(request, "maintenance/updates.html", status=exc.status, form=values,
                      errors={field: exc.message, "_code": exc.code}, answer=None)
    return render(request, "maintenance/updates.html", form=values, errors={}, answer=answer)
