"""`healthdash alerts ...`: evaluate the rules and escalate unacknowledged alerts now (or as of `--now`),
list alerts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from dashapp.cli.context import CliContext, now_option, pass_ctx


@click.group("alerts")
def alerts_group() -> None:
    """Alert rules and the alerts they open."""


@alerts_group.command("evaluate")
@now_option
@pass_ctx
def evaluate(ctx: CliContext, now: datetime) -> None:
    """Run every enabled rule over the whole book: open, keep or resolve alerts (reruns change nothing)."""
    ctx.require_migrated()
    from jobs.alerts import run_evaluation

    result = run_evaluation(ctx.settings, ctx.db, now, dispatch=bool(ctx.settings.redis_url))
    click.echo(
        f"Evaluated {len(result['rules'])} rule(s) at {now.isoformat()}: {result['opened']} opened, "
        f"{result['resolved']} resolved, {result['reopened']} reopened after a snooze."
    )
    for rule_id, why in result["skipped"].items():
        click.echo(f"Rule {rule_id} was skipped: {why}", err=True)


@alerts_group.command("escalate")
@now_option
@pass_ctx
def escalate(ctx: CliContext, now: datetime) -> None:
    """Send unacknowledged alerts up their escalation steps (manager, then admins); reruns send nothing."""
    ctx.require_migrated()
    from jobs.alerts import run_escalation

    result = run_escalation(ctx.settings, ctx.db, now)
    steps = result["escalated"]
    with ctx.db.transaction() as session:
        emails = _emails(session, {u for s in steps for u in s["user_ids"]})
    for s in steps:
        to = ", ".join(emails.get(u, f"user {u}") for u in s["user_ids"]) or "nobody"
        click.echo(
            f"Alert {s['alert_id']} ({s['account']}: {s['title']}, {s['severity']}) "
            f"step {s['step']} -> {s['target']}: {to}"
        )
    click.echo(
        f"Escalated {len(steps)} step(s) at {now.isoformat()}; {result['notifications']} notification(s) to send."
    )
    for rule_id, why in result["skipped"].items():
        click.echo(f"Rule {rule_id} was skipped: {why}", err=True)


def _emails(session: Any, user_ids: set[int]) -> dict[int, str]:
    from sqlalchemy import select

    from models.user import User

    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.email).where(User.id.in_(user_ids)))
    return {user_id: email for user_id, email in rows}


@alerts_group.command("list")
@click.option(
    "--state",
    type=click.Choice(["open", "acknowledged", "snoozed", "resolved"]),
    default=None,
    help="Only alerts in this state.",
)
@click.option("--severity", type=click.Choice(["info", "warning", "critical"]), default=None)
@click.option("--account", default=None, metavar="EXTERNAL_ID", help="Only this account's alerts.")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_ctx
def list_alerts(
    ctx: CliContext, state: str | None, severity: str | None, account: str | None, limit: int, as_json: bool
) -> None:
    """The newest alerts: id, state, severity, rule and account."""
    ctx.require_migrated()
    from dashapp.alerts.queries import AlertQuery
    from dashapp.alerts.queries import list_alerts as query_alerts

    query = AlertQuery(
        state=(state,) if state else (),  # type: ignore[arg-type]
        severity=(severity,) if severity else (),  # type: ignore[arg-type]
        account=account,
        limit=limit,
    )
    with ctx.db.transaction() as session:
        rows, total = query_alerts(session, query, None)
        for row in rows:
            if as_json:
                click.echo(json.dumps(row.as_dict(), default=str))
            else:
                a = row.alert
                click.echo(
                    f"{a.id}\t{a.state}\t{a.severity}\t{a.opened_at:%Y-%m-%d %H:%M}\t{row.rule_name}\t"
                    f"{row.account_external_id} ({row.account_name})"
                )
    if not as_json:
        click.echo(f"{len(rows)} of {total} alert(s).", err=True)
