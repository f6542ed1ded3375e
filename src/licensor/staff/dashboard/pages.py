"""The console's dashboard (/admin): the business at a glance."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from licensor.core.web import console
from licensor.core.web.console import Staff
from licensor.core.web.deps import Ctx, ReadSession
from licensor.staff.dashboard import service as dashboard

router = APIRouter(include_in_schema=False)


@router.get("/admin")
def home(request: Request, ctx: Ctx, session: ReadSession, _staff: Staff) -> Response:
    board = dashboard.build(session, ctx.clock.now(session))
    # The SVG is built from numbers and escaped names only (staff/rules.py).
    charts = {name: Markup(svg) for name, svg in board.charts.items()}
    return console.render(request, "admin/dashboard.html", board=board, charts=charts,
                          kinds=dashboard.REVENUE_KINDS, colours=dashboard.COLOURS)
