"""`licensor catalog show [CODE]` and `licensor catalog edit FILE`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from licensor.core.commands import console, print_json, run_command
from licensor.core.context import Context
from licensor.core.errors import LicensorError

NAME = "catalog"
app = typer.Typer(help="The product catalog: show it, or load products from a JSON file.",
                  no_args_is_help=True)


@app.command("show")
def show(code: Annotated[str | None, typer.Argument(help="A product code; all when omitted")]
         = None) -> None:
    """Print one product, or the whole catalog, as JSON (the format `catalog edit` reads;
    prices in minor units: 8900 is USD 89.00)."""
    from licensor.catalog import service as catalog
    from licensor.catalog.rules import product_to_json

    def work(ctx: Context, session: Any, now: Any) -> Any:
        if code is not None:
            return product_to_json(catalog.get_product(session, code))
        return {"products": [product_to_json(p) for p in catalog.list_products(session)]}

    print_json(run_command(work))


def read_products(file: Path) -> list[Any]:
    """The products of a catalog file: {"products": [...]} (as `catalog show` prints it), a
    list of products, or one product."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LicensorError("INVALID_CATALOG", f"{file.name} is not JSON ({exc}); write it as "
                            "`licensor catalog show` prints the catalog.",
                            {"file": str(file)}) from None
    if isinstance(data, dict) and isinstance(data.get("products"), list):
        return list(data["products"])
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "code" in data:
        return [data]
    raise LicensorError("INVALID_CATALOG", f"{file.name} holds no products: write "
                        '{"products": [...]}, a list of products or one product.',
                        {"file": str(file), "field": "products"})


@app.command("edit")
def edit(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                              help="JSON: as `catalog show` prints it")]) -> None:
    """Check every product in FILE, then create or replace them all (products not in FILE are
    kept); an invalid product changes nothing and each error names its field."""
    from licensor.catalog import service as catalog

    def work(ctx: Context, session: Any, now: Any) -> list[str]:
        products = catalog.put_products(session, read_products(file), now=now, actor="cli")
        return [p.code for p in products]

    codes = run_command(work)
    console.print(f"Catalog updated: {len(codes)} product(s) created or replaced "
                  f"({', '.join(codes)}).")
