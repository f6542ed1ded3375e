"""Staff accounts of the admin console over HTTP (administrators only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from licensor.core.web.deps import Admin, Ctx, ReadSession, WriteSession, now_for
from licensor.core.web.openapi import refusals
from licensor.staff import service as staff
from licensor.staff.schemas import StaffBody, StaffList, StaffMemberView

router = APIRouter(prefix="/v1/staff", tags=["staff"])


@router.post("", operation_id="addStaff", status_code=201, response_model=StaffMemberView,
             responses=refusals("STAFF_EXISTS", "INVALID_REQUEST"))
def add_staff(body: StaffBody, ctx: Ctx, session: WriteSession, admin: Admin) -> dict[str, Any]:
    """A staff member who can log in to the console at /admin/login."""
    row = staff.add_staff(session, email=body.email, password=body.password, role=body.role,
                          now=now_for(ctx, session), actor=admin)
    return staff.view(row)


@router.get("", operation_id="listStaff", response_model=StaffList)
def list_staff(session: ReadSession, _admin: Admin) -> dict[str, Any]:
    return {"data": [staff.view(r) for r in staff.list_staff(session)]}


@router.delete("/{staff_id}", operation_id="removeStaff",
               status_code=204, responses=refusals("STAFF_NOT_FOUND"))
def remove_staff(staff_id: str, ctx: Ctx, session: WriteSession, admin: Admin) -> Response:
    """Remove a staff member; their console sessions end."""
    staff.remove_staff(session, staff_id, now=now_for(ctx, session), actor=admin)
    return Response(status_code=204)
