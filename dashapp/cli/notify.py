"""`healthdash notify ...`: send what is due now (or at `--now`), and the daily digests."""

from __future__ import annotations

from datetime import datetime

import click

from dashapp.cli.context import CliContext, now_option, pass_ctx


@click.group("notify")
def notify_group() -> None:
    """Notifications: email, Slack, SMS and outbound webhooks."""


@notify_group.command("send-due")
@now_option
@pass_ctx
def send_due(ctx: CliContext, now: datetime) -> None:
    """Send what is due: notifications whose quiet hours ended, retries, webhook deliveries."""
    ctx.require_migrated()
    from dashapp.notify import runner

    summary = runner.sweep(ctx.db, ctx.settings, now=now)
    notes = ", ".join(f"{n} {status}" for status, n in sorted(summary.notifications.items())) or "none"
    hooks = ", ".join(f"{n} {status}" for status, n in sorted(summary.webhooks.items())) or "none"
    click.echo(f"Notifications: {notes}. Webhook attempts: {hooks}.")
    for endpoint_id in summary.disabled_endpoints:
        click.echo(f"Webhook endpoint {endpoint_id} disabled after repeated failures; its owner was emailed.")


@notify_group.command("digests")
@now_option
@pass_ctx
def digests(ctx: CliContext, now: datetime) -> None:
    """Send the daily digest of every user whose digest hour has come (once per local day)."""
    ctx.require_migrated()
    from dashapp.notify.digest import send_due as send_digests

    result = send_digests(ctx.db, ctx.settings, now=now)
    click.echo(f"{result['digests_sent']} digest(s) sent, {result['failed']} failed.")
