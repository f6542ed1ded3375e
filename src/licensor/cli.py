"""The `licensor` command: every command group, listed here; the commands live with their
capability (`<capability>/commands.py`) or in core (serving, keys, tokens, audit, clock, jobs)."""

from __future__ import annotations

import typer

from licensor import capabilities  # noqa: F401  (registers jobs, events, kinds)
from licensor.bulk import commands as bulk_commands
from licensor.catalog import commands as catalog_commands
from licensor.core import admin_commands, mail_commands, secret_commands, time_commands
from licensor.core.commands import (  # noqa: F401  (re-exported for older imports)
    console,
    context,
    err,
    fail,
    print_json,
    run_command,
    set_prepare,
)
from licensor.core.context import Context
from licensor.discounts import commands as discounts_commands
from licensor.discounts import credit_commands
from licensor.licenses import commands as licenses_commands
from licensor.licenses import revocation_commands
from licensor.maintenance import commands as releases_commands
from licensor.maintenance import update_commands
from licensor.marketplace import commands as marketplace_commands
from licensor.orders import commands as orders_commands
from licensor.orders import quote_commands
from licensor.releases import commands as artifact_commands
from licensor.staff import commands as staff_commands
from licensor.subscriptions import commands as subscriptions_commands
from licensor.webhooks import commands as webhooks_commands


def _prepare(ctx: Context) -> None:
    from licensor.app import prepare  # imported when a command runs: `--help` stays fast

    prepare(ctx)


set_prepare(_prepare)

app = typer.Typer(help="Licensor: licensing, upgrade and subscription back office.",
                  no_args_is_help=True)

app.command("serve")(admin_commands.serve)
app.command("backup")(admin_commands.backup_command)
app.command("restore")(admin_commands.restore_command)

for name, group in (("db", admin_commands.db_app), ("keys", admin_commands.keys_app),
                    ("tokens", admin_commands.tokens_app), ("audit", admin_commands.audit_app),
                    ("clock", time_commands.clock_app), ("jobs", time_commands.jobs_app)):
    app.add_typer(group, name=name)
app.add_typer(secret_commands.secrets_app, name="secrets")

# Bulk import and issue sit next to `licenses issue`, where a vendor looks for them.
for name, command in bulk_commands.COMMANDS.items():
    licenses_commands.app.command(name)(command)
releases_commands.app.command("upload")(artifact_commands.upload)
for name, file_command in artifact_commands.COMMANDS.items():  # license files
    licenses_commands.app.command(name)(file_command)

# Each capability's command group, as `licensor NAME ...`.
for _group in (catalog_commands, licenses_commands, mail_commands, marketplace_commands,
               orders_commands, quote_commands, releases_commands, revocation_commands,
               staff_commands, subscriptions_commands, update_commands, webhooks_commands):
    app.add_typer(_group.app, name=_group.NAME)
app.add_typer(discounts_commands.app, name=discounts_commands.NAME)
app.add_typer(credit_commands.app, name=credit_commands.NAME)


if __name__ == "__main__":
    app()
