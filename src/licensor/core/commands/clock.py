"""`licensor clock` (sandbox only) and `licensor jobs run`: time and what falls due with it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from licensor.core import quick_read
from licensor.core.commands import JSON_OPTION, console, print_json, run_command

if TYPE_CHECKING:
    from licensor.core.context import Context

clock_app = typer.Typer(help="The sandbox clock (LICENSOR_SANDBOX=1 only): show, freeze, "
                        "advance.", no_args_is_help=True)
jobs_app = typer.Typer(help="Jobs that fall due with time.", no_args_is_help=True)


class _Progress:
    """One line per job as it finishes, with its count and time, then the total."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.started = self.last = time.perf_counter()
        self.total = 0

    def __call__(self, name: str, count: int) -> None:
        now = time.perf_counter()
        self.total += count
        if not self.quiet:
            console.print(f"{name:<28} {count:>6} done  ({now - self.last:.2f} s)")
        self.last = now

    def summary(self) -> None:
        if not self.quiet:
            console.print(f"{'all jobs':<28} {self.total:>6} done  "
                          f"({time.perf_counter() - self.started:.2f} s)")


@jobs_app.command("run")
def jobs_run(as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Run every job that has fallen due now, printing each job's count as it finishes."""
    from licensor.core import jobs, payments

    progress = _Progress(quiet=as_json)
    if not as_json:
        console.print("Running due jobs (each line: the job, what it did, how long it took)")

    settled: dict[str, int] = {}

    def reconcile(ctx: Context) -> None:
        # Payments in doubt first, in transactions of their own (they ask the processor).
        settled["payments_reconcile"] = payments.reconcile_in_doubt(ctx)
        progress("payments_reconcile", settled["payments_reconcile"])

    ran = run_command(lambda ctx, s, now: jobs.run_due(ctx, s, now, on_job=progress),
                      before=reconcile)
    done = {**settled, **ran}
    if as_json:
        print_json(done)
    else:
        progress.summary()


@clock_app.command("show")
def clock_show(as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """The sandbox clock's time, and whether it is frozen."""
    view = quick_read.read(quick_read.clock_view)  # None: not sure, so the usual path
    if view is None:
        from licensor.core import sandbox_clock

        view = run_command(lambda ctx, s, now: sandbox_clock.show(ctx, s), registries=False)
    if as_json:
        print_json(view)
    else:
        console.print(f"{view['now']}" + (" (frozen)" if view["frozen"] else " (real time)"))


@clock_app.command("set")
def clock_set(when: Annotated[str, typer.Argument(
        help="ISO 8601 with an offset, e.g. 2016-01-31T00:00:00Z")]) -> None:
    """Freeze the sandbox clock at WHEN (jobs run on `clock advance` or `jobs run`)."""
    from licensor.core import sandbox_clock

    def work(ctx: Context, session: Any, now: Any) -> dict[str, Any]:
        return sandbox_clock.set_time(ctx, session, sandbox_clock.parse_time(when), actor="cli")

    print_json(run_command(work))


@clock_app.command("advance")
def clock_advance(by: Annotated[str, typer.Argument(
        help="Seconds, or a duration such as 30d, 12h, 15m, 2w")]) -> None:
    """Move the sandbox clock ahead and run every job that fell due (as
    POST /v1/sandbox/clock/advance with {"seconds": N})."""
    from licensor.core import sandbox_clock
    from licensor.core.tokens import parse_duration

    def work(ctx: Context, session: Any, now: Any) -> dict[str, Any]:
        sandbox_clock.require_sandbox(ctx)
        seconds = (int(by) if by.strip().isdigit()
                   else int(parse_duration(by).total_seconds()))
        return sandbox_clock.advance(ctx, session, seconds)

    print_json(run_command(work))
