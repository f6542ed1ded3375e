"""What every `licensor` command shares: the prepared context, one unit of work per command,
coded refusals, JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console

from licensor.core.errors import LicensorError

if TYPE_CHECKING:
    from licensor.core.context import Context

console = Console()
err = Console(stderr=True)

# How a context is made ready before a command runs (migrations, the default catalog, a
# signing key). Core knows no capability, so the composition (cli.py) hands it in.
# It takes the context and `registries`: whether the command needs the capabilities'
# registries (jobs, event handlers...), which only commands that write do.
_prepare: Callable[[Context, bool], None] | None = None


def set_prepare(fn: Callable[[Context, bool], None]) -> None:
    global _prepare
    _prepare = fn


def context(*, registries: bool = True) -> Context:
    """A prepared context: migrations applied, catalog loaded, a signing key present.
    `registries=False` for a command that only reads: it starts faster."""
    # Imported here: a command that reads on the quick path (core/quick_read.py) needs neither.
    from licensor.config import Settings
    from licensor.core.context import build_context

    ctx = build_context(Settings())
    if _prepare is not None:
        _prepare(ctx, registries)
    return ctx


def fail(exc: LicensorError) -> NoReturn:
    """Print the code and the sentence, then each listed problem (e.g. every invalid product
    of a catalog file, with its field), and exit 2."""
    err.print(f"[red]{exc.code}[/red]: {exc.message}")
    problems = exc.details.get("errors") if isinstance(exc.details, dict) else None
    for problem in problems if isinstance(problems, list) else []:
        if isinstance(problem, dict):
            where = problem.get("product") or problem.get("index", "")
            field = f" ({problem['field']})" if problem.get("field") else ""
            err.print(f"  {where}{field}: {problem.get('message', '')}", markup=False,
                      highlight=False)
    raise typer.Exit(2)


def run_command(fn: Callable[[Context, Any, Any], Any],
                before: Callable[[Context], None] | None = None, *,
                registries: bool = True) -> Any:
    """Run one unit of work: commit on success, print a coded error on refusal. `before` runs
    first with no transaction open (work that keeps transactions of its own). A command that
    only reads passes `registries=False` (see context)."""
    ctx = context(registries=registries)
    try:
        if before is not None:
            before(ctx)
        with ctx.db.transaction() as session:
            result = fn(ctx, session, ctx.clock.now(session))
        # In the foreground: the process is about to exit, and nobody waits on a response.
        from licensor.core.mail import deliver_all_due

        deliver_all_due(ctx)
        return result
    except LicensorError as exc:
        fail(exc)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON, never wrapped by Rich."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


JSON_OPTION = typer.Option("--json", help="Print JSON")
