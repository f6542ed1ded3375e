"""The console's audit view: the log, newest first, filtered by entity, with the chain's
verification status (core/audit checks every link)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from licensor.accounts import service as accounts
from licensor.core import audit
from licensor.core.web import console
from licensor.core.web.console import Staff
from licensor.core.web.deps import ReadSession
from licensor.staff.repository import ConsoleSearchRepository

router = APIRouter(include_in_schema=False)
SHOWN = 200


@router.get("/admin/audit")
def audit_log(request: Request, session: ReadSession, _staff: Staff, entity_type: str = "",
              entity_id: str = "") -> Response:
    repo = ConsoleSearchRepository(session)
    entries = repo.audit_page(entity_type.strip()[:50] or None, entity_id.strip()[:64] or None,
                              SHOWN)
    return console.render(request, "admin/audit.html", entries=entries,
                          entity_type=entity_type, entity_id=entity_id,
                          types=repo.audit_entity_types(), chain=audit.verify_chain(session),
                          shown=SHOWN, names=accounts.audit_names(session, entries))
