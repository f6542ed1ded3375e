"""`licensor coupons ...`: the vendor's coupons (add, list, disable, enable)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

NAME = "coupons"
app = typer.Typer(help="Coupons: the vendor's discount codes (case does not matter).",
                  no_args_is_help=True)


@app.command("add")
def add(code: str,
        percent_off: Annotated[str | None, typer.Option(
            help="Percent off, 1 to 100 with up to two decimals (12.5)")] = None,
        amount_off: Annotated[str | None, typer.Option(
            help="An amount off such as 10.00 (in --currency)")] = None,
        currency: Annotated[str, typer.Option(help="Of --amount-off and --minimum")] = "USD",
        name: Annotated[str | None, typer.Option(help="For the vendor; the code if absent")
                        ] = None,
        product: Annotated[list[str] | None, typer.Option(
            help="Only for this product (repeat for several); absent: every product")] = None,
        kind: Annotated[list[str] | None, typer.Option(
            help="Only for new, upgrade, renewal or subscription (repeat for several)")] = None,
        duration: Annotated[str, typer.Option(
            help="On a subscription: once, repeating (with --months) or forever")] = "once",
        months: Annotated[int | None, typer.Option(help="With --duration repeating")] = None,
        max_redemptions: Annotated[int | None, typer.Option(help="Uses in all")] = None,
        redeem_by: Annotated[str | None, typer.Option(
            help="Last day (2027-06-30, through 23:59:59 UTC) or an RFC 3339 time")] = None,
        once_per_customer: Annotated[bool, typer.Option(
            "--once-per-customer", help="One use per buyer email or account")] = False,
        minimum: Annotated[str | None, typer.Option(
            help="Minimum purchase before the discount, such as 300.00 (in --currency)")
            ] = None) -> None:
    """Add a coupon and print it as JSON."""
    from licensor.core.commands import print_json, run_command
    from licensor.discounts import service as discounts
    from licensor.discounts.schemas import moment_from_text, money_from_text, percent_from_text

    def create(_ctx: Any, session: Any, now: Any) -> dict[str, Any]:
        terms = discounts.CouponTerms(
            code=code, name=name,
            percent_off=percent_from_text(percent_off) if percent_off is not None else None,
            amount_off=money_from_text(amount_off, currency, "amount_off")
            if amount_off is not None else None,
            products=product or [], kinds=kind or [], duration=duration,
            duration_in_months=months, max_redemptions=max_redemptions,
            redeem_by=moment_from_text(redeem_by) if redeem_by is not None else None,
            once_per_customer=once_per_customer,
            minimum_amount=money_from_text(minimum, currency, "minimum_amount")
            if minimum is not None else None)
        return discounts.coupon_json(discounts.add_coupon(session, terms, now=now,
                                                          actor="cli"))

    print_json(run_command(create))


@app.command("list")
def list_coupons(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False
                 ) -> None:
    """Every coupon, newest first: what it takes off, what for, how often used, until when."""
    from rich.table import Table

    from licensor.core.commands import console, print_json, run_command
    from licensor.discounts import service as discounts
    from licensor.discounts.schemas import row_view

    def rows(_ctx: Any, session: Any, _now: Any) -> list[Any]:
        found, after = [], None
        while page := discounts.listing(session, 500, after):
            found += [(discounts.coupon_json(r), row_view(r)) for r in page]
            after = page[-1].id
        return found

    coupons = run_command(rows)
    if as_json:
        print_json([data for data, _ in coupons])
        return
    table = Table("code", "off", "applies to", "used/max", "active", "ends")
    for column in (0, 3, 4):  # code, used/max, active: never cut
        table.columns[column].no_wrap = True
    table.columns[2].overflow = "fold"  # a long product code is wrapped, never cut
    for _, view in coupons:
        table.add_row(view["code"], view["off"], view["applies"], view["used"],
                      "yes" if view["active"] else "no", view["ends"])
    console.print(table)


def _set_active(code: str, active: bool) -> None:
    from licensor.core.commands import run_command
    from licensor.discounts import service as discounts

    shown = run_command(lambda ctx, s, now: discounts.set_active(
        s, code, active, now=now, actor="cli").code)
    typer.echo(f"Coupon {shown} " + ("enabled again." if active else
                                     "disabled: it is refused from now on."))


@app.command("disable")
def disable(code: str) -> None:
    """Refuse a coupon from now on (COUPON_EXPIRED); quotes already priced keep their price."""
    _set_active(code, False)


@app.command("enable")
def enable(code: str) -> None:
    """Make a disabled coupon usable again."""
    _set_active(code, True)
