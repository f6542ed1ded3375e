"""The `licensor` command: every command group, listed here; the commands live with their
capability (`<capability>/commands.py`) or in core (serving, keys, tokens, audit, clock, jobs).

A group's module is imported only when that group runs, and `licensor --help` lists the groups
from the table below without importing any: a command loads what it needs and no more, so it
starts fast (tests/test_cli_imports.py; docs/performance.md, "The CLI")."""

from __future__ import annotations

import functools
import importlib
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

# name: (module, attribute, the help `licensor --help` shows). The attribute is a Typer group
# or, for the three top-level commands, a function; tests/test_cli_imports.py checks that each
# help here is the command's own.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "serve": ("licensor.core.commands.admin", "serve",
              "Serve the API (migrations and the default catalog are applied first)."),
    "backup": ("licensor.core.commands.admin", "backup_command",
               ("Back up the database and the signing keys into one owner-only file "
                "(docs/security.md).")),
    "restore": ("licensor.core.commands.admin", "restore_command",
                "Restore a backup into an empty data directory and an empty database."),
    "db": ("licensor.core.commands.admin", "db_app", "Database schema."),
    "keys": ("licensor.core.commands.admin", "keys_app", "Signing keys."),
    "secrets": ("licensor.core.commands.secrets", "secrets_app",
                "Secrets every host shares (sealed in the database)."),
    "tokens": ("licensor.core.commands.admin", "tokens_app", "Admin API tokens."),
    "audit": ("licensor.core.commands.admin", "audit_app", "The audit log."),
    "clock": ("licensor.core.commands.clock", "clock_app",
              "The sandbox clock (LICENSOR_SANDBOX=1 only): show, freeze, advance."),
    "jobs": ("licensor.core.commands.clock", "jobs_app", "Jobs that fall due with time."),
    "catalog": ("licensor.catalog.commands", "app",
                "The product catalog: show it, or load products from a JSON file."),
    "licenses": ("licensor.cli", "_licenses_app",
                 "Perpetual licenses and their License Information."),
    "mail": ("licensor.core.commands.mail", "app",
             "Outgoing mail: what failed, retrying it, sending what is due."),
    "migrations": ("licensor.marketplace.commands", "app",
                   "Requests to move direct server licenses to the marketplace."),
    "orders": ("licensor.orders.commands", "app", "Orders: invoices to mark paid, refunds."),
    "quotes": ("licensor.orders.quotes.commands", "app",
               "Quotes (estimates) for new licenses, upgrades and renewals."),
    "releases": ("licensor.cli", "_releases_app", "Product releases (for update checks)."),
    "revocations": ("licensor.licenses.revocations.commands", "app",
                    "The signed revocation list for offline apps."),
    "staff": ("licensor.staff.commands", "app", "Staff accounts of the admin console (/admin)."),
    "subscriptions": ("licensor.subscriptions.commands", "app",
                      "Subscriptions (myBalsamiq sites, Google Drive)."),
    "updates": ("licensor.maintenance.updates.commands", "app",
                "Update checks (maintenance and major-version policy)."),
    "webhooks": ("licensor.webhooks.commands", "app",
                 "Outbound webhooks to the vendor's own systems (docs/webhooks.md)."),
    "coupons": ("licensor.discounts.commands", "app",
                "Coupons: the vendor's discount codes (case does not matter)."),
    "credits": ("licensor.discounts.credits.commands", "app",
                "Desktop licenses turned into credit (once per license)."),
    "reports": ("licensor.tax.commands", "app", "Reports for the vendor's books."),
}


@functools.cache
def _licenses_app() -> typer.Typer:
    """`licensor licenses`, with bulk import and issue beside `licenses issue`, where a vendor
    looks for them."""
    from licensor.bulk import commands as bulk_commands
    from licensor.licenses import commands as licenses_commands
    from licensor.releases import commands as artifact_commands

    for name, command in bulk_commands.COMMANDS.items():
        licenses_commands.app.command(name)(command)
    for name, file_command in artifact_commands.COMMANDS.items():  # license files
        licenses_commands.app.command(name)(file_command)
    return licenses_commands.app


@functools.cache
def _releases_app() -> typer.Typer:
    """`licensor releases`, with the artifact upload beside `releases add`."""
    from licensor.maintenance import commands as releases_commands
    from licensor.releases import commands as artifact_commands

    releases_commands.app.command("upload")(artifact_commands.upload)
    return releases_commands.app


@functools.cache
def load(name: str) -> Any:
    """The click command of `licensor NAME`, importing its module now."""
    module, attribute, _ = COMMANDS[name]
    found: Any = getattr(importlib.import_module(module), attribute)
    if attribute in ("_licenses_app", "_releases_app"):
        found = found()
    if isinstance(found, typer.Typer):  # a group, even of one command (`licensor db upgrade`)
        command: Any = typer.main.get_group(found)
    else:  # a function: a command of its own
        single = typer.Typer()
        single.command(name)(found)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """Lists every command from COMMANDS; imports one only to run it or show its own help."""

    # Typer's click (typer._click) is private: contexts and commands are typed Any here.
    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name in _loaded:
            return load(cmd_name)
        # What the group's own help needs (name and help), without importing the command.
        return TyperCommand(cmd_name, help=COMMANDS[cmd_name][2])

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] in COMMANDS:
            _loaded.add(args[0])
        return super().resolve_command(ctx, args)


_loaded: set[str] = set()  # the commands being run in this process (resolve_command)


def _prepare(ctx: Any, registries: bool) -> None:
    from licensor import startup  # imported when a command runs: `--help` stays fast

    startup.prepare(ctx, registries=registries)


def _set_prepare() -> None:
    from licensor.core.commands import set_prepare

    set_prepare(_prepare)


app = typer.Typer(cls=LazyGroup, help="Licensor: licensing, upgrade and subscription back "
                  "office.", no_args_is_help=True)


@app.callback()
def _root() -> None:
    _set_prepare()


def __getattr__(name: str) -> Any:
    """`from licensor.cli import run_command` (and the rest of core.commands) for older
    imports, without importing them for every command."""
    if name in ("console", "context", "err", "fail", "print_json", "run_command", "set_prepare"):
        from licensor.core import commands

        return getattr(commands, name)
    raise AttributeError(name)


if __name__ == "__main__":
    app()
