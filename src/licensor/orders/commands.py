"""`licensor orders list|show|mark-paid|refund|cancel`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from licensor.config import Settings

# Help texts name the vendor's terms as this installation configures them.
_TERMS = Settings()

NAME = "orders"
app = typer.Typer(help="Orders: invoices to mark paid, refunds.", no_args_is_help=True)


@app.command("list")
def list_orders(status: Annotated[str | None, typer.Option(
                    help="awaiting_payment, fulfilled, refunded, canceled")] = None,
                email: Annotated[str | None, typer.Option(help="Buyer's email")] = None,
                limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
                as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False
                ) -> None:
    """List orders, oldest first."""
    from rich.table import Table

    from licensor.core.commands import console, print_json, run_command
    from licensor.core.money import Money
    from licensor.orders.repository import OrderRepository

    def work(ctx: Any, session: Any, now: Any) -> list[tuple[str, ...]]:
        return [(r.number, r.id, r.kind, r.product, r.status, r.payment_method,
                 Money(r.total_amount, r.currency).display(), r.buyer_email,
                 f"{r.created_at:%Y-%m-%d}")
                for r in OrderRepository(session).search(status=status, email=email,
                                                         limit=limit)]

    rows = run_command(work)
    if as_json:
        keys = ("number", "id", "kind", "product", "status", "payment_method", "total",
                "buyer_email", "created")
        print_json([dict(zip(keys, row, strict=True)) for row in rows])
        return
    table = Table("number", "id", "kind", "product", "status", "method", "total", "buyer",
                  "created")
    for row in rows:
        table.add_row(*row)
    console.print(table)


@app.command("show")
def show(order: Annotated[str, typer.Argument(help="Order id or number (LIC-000001)")]) -> None:
    """Show an order as JSON, with its license."""
    from licensor.core.commands import print_json, run_command
    from licensor.orders import service as orders
    from licensor.orders.schemas import order_view

    print_json(run_command(lambda ctx, s, now: order_view(s, orders.get_order(s, order))))


@app.command("mark-paid")
def mark_paid(order: Annotated[str, typer.Argument(help="Order id or number")]) -> None:
    """An invoice was paid: fulfil the order and mail the License Information."""
    from licensor.core.commands import print_json, run_command
    from licensor.orders import service as orders
    from licensor.orders.schemas import order_view

    print_json(run_command(lambda ctx, s, now: order_view(
        s, orders.mark_paid(ctx, s, order, now=now, actor="cli"))))


@app.command("refund")
def refund(order: Annotated[str, typer.Argument(help="Order id or number")],
           force: Annotated[bool, typer.Option(
               help=f"Refund even after the {_TERMS.refund_window_days}-day window")] = False,
           ) -> None:
    """Refund a fulfilled order (an unpaid one is canceled)."""
    from licensor.core.commands import print_json, run_command
    from licensor.orders import refunds
    from licensor.orders.schemas import order_view

    print_json(run_command(lambda ctx, s, now: order_view(
        s, refunds.refund(ctx, s, order, now=now, actor="cli", force=force))))


@app.command("cancel")
def cancel(order: Annotated[str, typer.Argument(help="Order id or number")]) -> None:
    """Cancel an order awaiting payment."""
    from licensor.core.commands import print_json, run_command
    from licensor.orders import refunds
    from licensor.orders.schemas import order_view

    print_json(run_command(lambda ctx, s, now: order_view(
        s, refunds.cancel(ctx, s, order, now=now, actor="cli"))))
