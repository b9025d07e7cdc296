"""`healthdash accounts ...`: the accounts and contacts deleted through the API."""

from __future__ import annotations

from datetime import datetime

import click

from dashapp.accounts.purge import purge_deleted
from dashapp.cli.context import CliContext, now_option, pass_ctx


@click.group("accounts")
def accounts_group() -> None:
    """Deleted accounts and contacts."""


@accounts_group.command("purge")
@now_option
@pass_ctx
def purge(ctx: CliContext, now: datetime) -> None:
    """Remove for good the accounts and contacts deleted DELETED_RETENTION_DAYS or more ago."""
    ctx.require_migrated()
    days = ctx.settings.deleted_retention_days
    with ctx.db.transaction() as session:
        counts = purge_deleted(session, now, days)
    click.echo(
        f"Purged {counts['accounts']} accounts and {counts['contacts']} contacts deleted {days} or more days ago."
    )
