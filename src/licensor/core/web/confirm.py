"""Asking before acting: a console action that moves money or access (refund, cancel an
order, mark paid, revoke, cancel a subscription) first answers with a page that says what it
will do, carrying the form's fields on to its own button, which posts them again with
`confirmed=yes`. Nothing changes until then; it works without JavaScript, and the action
itself still answers with a redirect."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request
from fastapi.responses import Response

from licensor.core.web import console

CONFIRMED = "confirmed"
# What the confirmation's button says while the server works (it cannot be pressed twice).
BUSY = {"Refund": "Refunding…", "Cancel order": "Canceling…", "Mark paid": "Marking paid…",
        "Revoke": "Revoking…", "Cancel subscription": "Canceling…", "Complete": "Completing…",
        "Reject": "Rejecting…", "Enable": "Enabling…", "Disable": "Disabling…"}


def confirmed(form: dict[str, str]) -> bool:
    return form.get(CONFIRMED) == "yes"


def confirm_page(request: Request, form: dict[str, str], *, title: str, what: Sequence[str],
                 button: str, back: str, danger: bool = True) -> Response:
    """The confirmation of the action posted to this address: `what` it does, sentence by
    sentence; `button` acts (the action's own name); `back` leaves without acting."""
    carried = {k: v for k, v in form.items() if k not in ("csrf_token", CONFIRMED)}
    return console.render(request, "admin/confirm.html", title=title, what=what,
                          button=button, busy=BUSY.get(button, "Working…"), back=back,
                          carried=carried, danger=danger,
                          action=request.url.path)
