"""`licensor webhooks ...`: outbound webhook endpoints, their deliveries, redelivery."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

NAME = "webhooks"
app = typer.Typer(help="Outbound webhooks to the vendor's own systems (docs/webhooks.md).",
                  no_args_is_help=True)


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@app.command("add")
def add(url: str,
        events: Annotated[str, typer.Option(help='Comma-separated event types, or "*"')] = "*",
        description: str | None = None) -> None:
    """Add an endpoint and print it with its secret (shown this once)."""
    from licensor.core.commands import run_command
    from licensor.webhooks import service as webhooks
    from licensor.webhooks.schemas import Endpoint

    types = [t.strip() for t in events.split(",") if t.strip()]

    def made(ctx: Any, s: Any, now: Any) -> dict[str, Any]:
        row, secret = webhooks.create_endpoint(ctx, s, url=url, events=types,
                                               description=description, now=now, actor="cli")
        return Endpoint.view(row, secret=secret)
    _print(run_command(made))


@app.command("list")
def list_endpoints(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False
                   ) -> None:
    """List endpoints (never their secrets)."""
    from rich.table import Table

    from licensor.core.commands import console, run_command
    from licensor.webhooks import service as webhooks
    from licensor.webhooks.schemas import Endpoint

    views = run_command(lambda ctx, s, now: [Endpoint.view(r)
                                             for r in webhooks.list_endpoints(s)])
    if as_json:
        _print(views)
        return
    table = Table("id", "status", "url", "events", "description")
    table.columns[0].no_wrap = True
    for v in views:
        table.add_row(v["id"], v["status"], v["url"], ", ".join(v["events"]),
                      v["description"] or "")
    console.print(table)


@app.command("deliveries")
def deliveries(endpoint_id: str,
               limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
               as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False
               ) -> None:
    """An endpoint's delivery attempts, newest first, with the receiver's answers."""
    from rich.table import Table

    from licensor.core.commands import console, run_command
    from licensor.webhooks import service as webhooks
    from licensor.webhooks.schemas import Delivery

    views = run_command(lambda ctx, s, now: [Delivery.view(r) for r in webhooks.list_deliveries(
        s, endpoint_id, limit=limit, cursor=None)[0]])
    if as_json:
        _print(views)
        return
    table = Table("created", "event", "type", "attempt", "status", "answer", "ms", "next")
    for v in views:
        table.add_row(v["created_at"], v["event_id"], v["event_type"], str(v["attempt"]),
                      v["status"], str(v["response_status"] or v["error"] or ""),
                      str(v["duration_ms"] or ""), v["next_attempt_at"] or "")
    console.print(table)


@app.command("redeliver")
def redeliver(event_id: str) -> None:
    """Send an event again (same webhook-id) to every endpoint subscribed to it, now."""
    from licensor.core.commands import console, context, run_command
    from licensor.webhooks import delivery
    from licensor.webhooks import service as webhooks

    made = run_command(lambda ctx, s, now: len(webhooks.redeliver(s, event_id, now=now,
                                                                  actor="cli")))
    # In the foreground: the command ends when the receivers have answered (or failed).
    delivered = delivery.deliver_all_due(context())
    console.print(f"Event {event_id}: {made} delivery(ies) queued, {delivered} delivered now.")
