"""`healthdash scores ...`: recompute (inline with a progress bar, or queued), backtest, overrides, show.

`recompute` runs in the CLI process by default, for immediate feedback; `--enqueue` hands it to the
workers instead and prints the run id (the same job the UI and the scheduler queue).
"""

from __future__ import annotations

import json
from datetime import date

import click
from sqlalchemy import select

from dashapp.cache import bump_after_commit, bump_data_version
from dashapp.cli.context import CliContext, CliError, pass_ctx
from dashapp.scoring.definition import ScorecardError
from models.account import Account, live
from models.user import User


def _parse_date(_ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    return _to_date(value, f"--{(param.name or '').replace('_', '-')}")


def _to_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"{option}: {value!r} is not a date like 2026-03-31") from None


def _account_ids(ctx: CliContext, external_ids: tuple[str, ...]) -> list[int]:
    with ctx.db.transaction() as session:
        rows = dict(
            session.execute(
                select(Account.external_id, Account.id).where(
                    Account.external_id.in_(external_ids), live(Account)
                )
            ).all()
        )
    unknown = [e for e in external_ids if e not in rows]
    if unknown:
        raise CliError(f"no account with external id {', '.join(map(repr, unknown))}")
    return [rows[e] for e in external_ids]


def _user(ctx: CliContext, email: str | None) -> User | None:
    if email is None:
        return None
    from dashapp.users import find_by_email

    with ctx.db.transaction() as session:
        user = find_by_email(session, email)
    if user is None:
        raise CliError(f"no user with email {email!r}")
    return user


@click.group("scores")
def scores_group() -> None:
    """Health scores: recompute, backtest, overrides."""


@scores_group.command("recompute")
@click.option(
    "--account", "accounts", multiple=True, metavar="EXTERNAL_ID", help="Only this account (repeatable)."
)
@click.option("--segment", default=None, help="Only accounts of this segment.")
@click.option("--changed", is_flag=True, help="Only accounts whose data or override changed (incremental).")
@click.option("--as-of", callback=_parse_date, default=None, help="Last day to score [default: today, UTC].")
@click.option(
    "--backfill",
    type=click.IntRange(1, 3660),
    default=1,
    show_default=True,
    metavar="DAYS",
    help="Score this many days, ending on --as-of.",
)
@click.option("--enqueue", is_flag=True, help="Queue it for the workers instead of running it here.")
@click.option("--inline", is_flag=True, hidden=True, help="Run here (the default).")
@pass_ctx
def recompute(
    ctx: CliContext,
    accounts: tuple[str, ...],
    segment: str | None,
    changed: bool,
    as_of: date | None,
    backfill: int,
    enqueue: bool,
    inline: bool,
) -> None:
    """Recompute health snapshots (all active accounts unless narrowed)."""
    from dashapp.scoring import engine

    if sum([bool(accounts), segment is not None, changed]) > 1:
        raise CliError("use one of --account, --segment or --changed")
    if enqueue and inline:
        raise CliError("use --enqueue or --inline, not both")
    ctx.require_migrated()
    ids = _account_ids(ctx, accounts) if accounts else None
    if enqueue:
        from jobs.scores import enqueue_recompute

        run = enqueue_recompute(
            ctx.settings,
            ctx.db,
            account_ids=ids,
            segment=segment,
            incremental=changed,
            as_of=as_of,
            days=backfill,
        )
        click.echo(f"Queued run {run.id} ({run.title}); job {run.rq_job_id}.")
        return
    scope = engine.Scope(account_ids=tuple(ids) if ids else None, segment=segment, incremental=changed)
    with click.progressbar(length=backfill, label=f"Scoring {scope.describe()}", show_pos=True) as bar:
        done = 0

        def progress(fraction: float, _message: str) -> None:
            nonlocal done
            step = round(fraction * backfill) - done
            bar.update(step)
            done += step

        result = engine.recompute(ctx.db, as_of=as_of, days=backfill, scope=scope, progress=progress)
    bump_data_version(ctx.settings, "score recompute")
    days = result.days
    span = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
    if result.snapshots == 0 and not result.unscored:
        click.echo(f"Nothing to score for {span}: no account had started and not churned then.")
        return
    click.echo(f"Wrote {result.snapshots:,} snapshots for {span}.")
    if result.unscored:
        click.echo(f"{result.unscored} account-day(s) had no data for any measure and were not scored.")


@scores_group.command("backtest")
@click.option("--scorecard", default=None, help="Scorecard name or id [default: the default scorecard].")
@click.option("--horizon-days", type=click.IntRange(1, 730), default=90, show_default=True)
@click.option("--as-of", "as_of", multiple=True, help="As-of date (repeatable) [default: six monthly dates].")
@click.option(
    "--label",
    type=click.Choice(["churned", "inactive"]),
    default="churned",
    show_default=True,
    help="churned: churned_at within the horizon; inactive: no activity within it (a purchase business).",
)
@click.option("--enqueue", is_flag=True, help="Queue it for the workers instead of running it here.")
@pass_ctx
def backtest(
    ctx: CliContext,
    scorecard: str | None,
    horizon_days: int,
    as_of: tuple[str, ...],
    label: str,
    enqueue: bool,
) -> None:
    """How well the score ranked the accounts that churned (or lapsed) within the horizon (ROC AUC, rate
    per band)."""
    from dashapp.scoring import backtest as bt
    from dashapp.scoring import service, store

    ctx.require_migrated()
    dates = [_to_date(d, "--as-of") for d in as_of] or None
    with ctx.db.transaction() as session:
        card_id = store.find_scorecard(session, scorecard).id if scorecard else None
    if enqueue:
        from jobs.scores import enqueue_backtest

        run = enqueue_backtest(
            ctx.settings, ctx.db, scorecard_id=card_id, horizon_days=horizon_days, as_of=dates, label=label
        )
        click.echo(f"Queued run {run.id} ({run.title}).")
        return
    with ctx.db.transaction() as session:
        with click.progressbar(length=100, label="Backtesting") as bar:
            done = 0

            def progress(fraction: float, _message: str) -> None:
                nonlocal done
                bar.update(round(fraction * 100) - done)
                done = round(fraction * 100)

            try:
                stored = service.run_backtest(
                    session,
                    scorecard_id=card_id,
                    horizon_days=horizon_days,
                    as_of_dates=dates,
                    progress=progress,
                    label=label,
                )
            except ScorecardError as exc:
                raise CliError(str(exc)) from None
        card = store.get_scorecard(session, stored.scorecard_id)
        bands = store.definitions(session, [stored.scorecard_version_id])[
            stored.scorecard_version_id
        ].band_names()
        outcome = "churn" if label == "churned" else "no activity"
        click.echo(f"Scorecard {card.name!r}, {outcome} within {horizon_days} days of each as-of date:")
        click.echo(bt.format_table(stored.results, bands))


@scores_group.command("override")
@click.argument("external_id")
@click.option("--score", type=click.FloatRange(0, 100), default=None, help="Score to show (0-100).")
@click.option("--band", default=None, help="Band to show (e.g. red, yellow, green).")
@click.option("--reason", default=None, help="Why (required to set; optional with --clear).")
@click.option("--expires", callback=_parse_date, default=None, help="First day it no longer applies.")
@click.option("--clear", is_flag=True, help="Remove the override in force instead.")
@click.option(
    "--by", "by_email", default=None, metavar="EMAIL", help="Record this user as the one who did it."
)
@pass_ctx
def override(
    ctx: CliContext,
    external_id: str,
    score: float | None,
    band: str | None,
    reason: str | None,
    expires: date | None,
    clear: bool,
    by_email: str | None,
) -> None:
    """Set (or with --clear remove) a manual score/band for an account. Audited; survives recomputes."""
    from dashapp.scoring import service

    ctx.require_migrated()
    (account_id,) = _account_ids(ctx, (external_id,))
    actor = _user(ctx, by_email)
    with ctx.db.transaction() as session:
        bump_after_commit(session, ctx.settings, "override")
        if actor is not None:
            actor = session.get(User, actor.id)
        if clear:
            if score is not None or band is not None or expires is not None:
                raise CliError("--clear takes no --score, --band or --expires")
            ended = service.clear_override(session, account_id, actor=actor, reason=reason or "")
            click.echo("Override cleared." if ended else "No override was in force.")
            return
        if expires is None:
            raise CliError("--expires is required: overrides always end")
        made = service.set_override(
            session, account_id, score=score, band=band, reason=reason or "", expires_on=expires, actor=actor
        )
        shown = " and ".join(
            p
            for p in (
                f"score {made.score}" if made.score is not None else "",
                f"band {made.band}" if made.band else "",
            )
            if p
        )
        click.echo(f"Override set: {shown} until {made.expires_on}.")


@scores_group.command("show")
@click.argument("external_id")
@click.option("--json", "as_json", is_flag=True, help="Print the breakdown as JSON.")
@pass_ctx
def show(ctx: CliContext, external_id: str, as_json: bool) -> None:
    """An account's current score, its measures and why it moved."""
    from dashapp.queries.health import current_breakdown

    ctx.require_migrated()
    (account_id,) = _account_ids(ctx, (external_id,))
    with ctx.db.transaction() as session:
        data = current_breakdown(session, account_id)
    if data is None:
        raise CliError(f"{external_id} has no health snapshot yet; run `healthdash scores recompute`")
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    head = f"{external_id}: {data['score']} ({data['band']}) on {data['day']}"
    if data["overridden"]:
        head += f" — overridden; computed {data['computed_score']} ({data['computed_band']})"
    click.echo(head)
    click.echo(data["explanation_text"])
    for group in data["groups"]:
        click.echo(f"  {group['group']}: {group['contribution']}")
        for m in group["measures"]:
            raw = "missing" if m["missing"] else m["raw"]
            click.echo(
                f"    {m['label']}: {raw} -> {m['normalised']} x {m['effective_weight']} = {m['contribution']}"
            )
