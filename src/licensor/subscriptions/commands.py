"""`licensor subscriptions list|show`: the operator's view of sites' and Google Drive
subscriptions (no account token needed; this is the back office)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

NAME = "subscriptions"
app = typer.Typer(help="Subscriptions (myBalsamiq sites, Google Drive).", no_args_is_help=True)


@app.command("list")
def list_subscriptions(
        status: Annotated[str | None, typer.Option(
            help="trialing, active, past_due, canceled, suspended, deleted, view_only")] = None,
        product: Annotated[str | None, typer.Option(help="Product code")] = None,
        limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """List subscriptions by id."""
    from rich.table import Table

    from licensor.core.commands import console, print_json, run_command
    from licensor.core.money import Money
    from licensor.subscriptions.repository import SubscriptionRepository
    from licensor.subscriptions.schemas import subscription_view

    def work(ctx: Any, session: Any, now: Any) -> list[dict[str, Any]]:
        return [subscription_view(r) for r in SubscriptionRepository(session).search(
            status=status, product=product, limit=limit)]

    rows = run_command(work)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "product", "plan", "interval", "status", "period end", "credit",
                  "site / google id")
    for r in rows:
        credit = r["credit_balance"]
        table.add_row(r["id"], r["product"], r["plan"] or "-", r["interval"] or "-",
                      r["status"], r["current_period_end"],
                      Money(credit["amount"], credit["currency"]).display(),
                      r["site_id"] or r["google_id"] or "-")
    console.print(table)


@app.command("show")
def show_subscription(subscription_id: str) -> None:
    """Show a subscription with its owner, site and invoices, as JSON."""
    from licensor.accounts.service import get_account
    from licensor.core.commands import print_json, run_command
    from licensor.core.errors import LicensorError
    from licensor.subscriptions.endpoints import invoice_view, subscription_view
    from licensor.subscriptions.repository import SiteRepository, SubscriptionRepository

    def work(ctx: Any, session: Any, now: Any) -> dict[str, Any]:
        repo = SubscriptionRepository(session)
        sub = repo.get(subscription_id)
        if sub is None:
            raise LicensorError("SUBSCRIPTION_NOT_FOUND", "There is no subscription with this "
                                "id; `licensor subscriptions list` shows them.",
                                {"subscription_id": subscription_id})
        owner = get_account(session, sub.owner_id)
        site = SiteRepository(session).get(sub.site_id) if sub.site_id else None
        return {**subscription_view(sub),
                "owner": {"id": sub.owner_id, "email": owner.email if owner else None},
                "site": None if site is None else {
                    "id": site.id, "name": site.name,
                    "billing_admin_id": site.billing_admin_id,
                    "active_projects": SiteRepository(session).active_projects(site.id)},
                "invoices": [invoice_view(i) for i in repo.invoices(sub.id, limit=500)]}

    print_json(run_command(work))
