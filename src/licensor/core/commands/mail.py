"""`licensor mail`: failed mail, sending it again, and sending what is due (e.g. from cron)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

NAME = "mail"
app = typer.Typer(help="Outgoing mail: what failed, retrying it, sending what is due.",
                  no_args_is_help=True)


def _failed_view(row: Any) -> dict[str, Any]:
    from licensor.core.web.views import iso

    return {"id": row.id, "to": row.to, "subject": row.subject, "attempts": row.attempts,
            "created_at": iso(row.created_at), "failed_at": iso(row.failed_at),
            "last_error": row.last_error}


@app.command("failed")
def failed(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """List mail whose retries ran out (retry one with `licensor mail retry ID`)."""
    from rich.table import Table

    from licensor.core import mail
    from licensor.core.commands import console, print_json, run_command

    views = run_command(lambda ctx, s, now: [_failed_view(r) for r in mail.failed(s)])
    if as_json:
        print_json(views)
        return
    table = Table("id", "to", "subject", "attempts", "failed at", "last error")
    for v in views:
        table.add_row(v["id"], v["to"], v["subject"], str(v["attempts"]), v["failed_at"],
                      (v["last_error"] or "")[:120])
    console.print(table)


@app.command("retry")
def retry(mail_id: str) -> None:
    """Send a failed message again now, with a fresh retry schedule."""
    from licensor.core import mail
    from licensor.core.commands import console, run_command

    run_command(lambda ctx, s, now: mail.retry(s, mail_id))
    console.print(f"Message {mail_id} is queued again.")


@app.command("send")
def send() -> None:
    """Send every message that is due now (the server does this by itself)."""
    from licensor.core import mail
    from licensor.core.commands import context, print_json

    print_json({"sent": mail.deliver_all_due(context())})
