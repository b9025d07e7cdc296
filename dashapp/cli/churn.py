"""`healthdash churn ...`: train (inline or queued), score, list versions, activate one, show the card."""

from __future__ import annotations

import click

from dashapp.cli.context import CliContext, CliError, pass_ctx


@click.group("churn")
def churn_group() -> None:
    """Churn model: train, score, versions."""


def _bar(label: str):
    bar = click.progressbar(length=100, label=label)
    state = {"done": 0}

    def progress(fraction: float, _message: str = "") -> None:
        step = round(fraction * 100) - state["done"]
        if step > 0:
            bar.update(step)
            state["done"] += step

    return bar, progress


@churn_group.command("train")
@click.option("--horizon-days", type=click.IntRange(1, 730), default=90, show_default=True)
@click.option(
    "--label",
    type=click.Choice(["churned", "inactive"]),
    default="churned",
    show_default=True,
    help="churned: churned_at within the horizon; inactive: no activity within it.",
)
@click.option("--dates", type=click.IntRange(2, 60), default=12, show_default=True, help="As-of dates.")
@click.option("--step-days", type=click.IntRange(1, 365), default=30, show_default=True)
@click.option("--no-score", is_flag=True, help="Do not score the accounts with the new model.")
@click.option("--enqueue", is_flag=True, help="Queue it for the workers instead of running it here.")
@pass_ctx
def train(
    ctx: CliContext, horizon_days: int, label: str, dates: int, step_days: int, no_score: bool, enqueue: bool
) -> None:
    """Train a new model version on point-in-time rows, make it active, and print its held-out figures."""
    from dashapp.analytics.churn import card, service
    from dashapp.analytics.churn.training import TrainingError

    ctx.require_migrated()
    if enqueue:
        from jobs.churn import enqueue_train

        run = enqueue_train(ctx.settings, ctx.db, horizon_days=horizon_days, label=label)
        click.echo(f"Queued run {run.id} ({run.title}); job {run.rq_job_id}.")
        return
    try:
        with ctx.db.transaction() as session:
            bar, progress = _bar("Training")
            with bar:
                model = service.train_model(
                    session,
                    horizon_days=horizon_days,
                    label=label,
                    count=dates,
                    step_days=step_days,
                    progress=progress,
                )
            click.echo(card.format_card(model))
            if not no_score:
                result = service.score_accounts(session, model_id=model.id)
                click.echo(f"Scored {result['accounts']:,} accounts as of {result['as_of']}.")
    except TrainingError as exc:
        raise CliError(str(exc)) from None


@churn_group.command("score")
@click.option("--enqueue", is_flag=True, help="Queue it for the workers instead of running it here.")
@pass_ctx
def score(ctx: CliContext, enqueue: bool) -> None:
    """Score every open account with the active model."""
    from dashapp.analytics.churn import service
    from dashapp.analytics.churn.training import TrainingError

    ctx.require_migrated()
    if enqueue:
        from jobs.churn import enqueue_score

        run = enqueue_score(ctx.settings, ctx.db)
        click.echo(f"Queued run {run.id} ({run.title}); job {run.rq_job_id}.")
        return
    try:
        with ctx.db.transaction() as session:
            result = service.score_accounts(session)
    except TrainingError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"Scored {result['accounts']:,} accounts with v{result['version']} as of {result['as_of']}.")


@churn_group.command("models")
@pass_ctx
def list_models(ctx: CliContext) -> None:
    """Every stored version, newest first, with its held-out ROC AUC and Brier score."""
    from dashapp.analytics.churn import service

    ctx.require_migrated()
    with ctx.db.transaction() as session:
        rows = service.models(session)
        if not rows:
            click.echo("No churn model yet: run `healthdash churn train`.")
        for m in rows:
            base = m.evaluation["baseline"].get("roc_auc")
            click.echo(
                f"{'*' if m.is_active else ' '} v{m.version}  {m.created_at:%Y-%m-%d %H:%M}  {m.mode:8}  "
                f"AUC {m.roc_auc}  (logistic {base})  Brier {m.brier}  horizon {m.horizon_days}d"
            )


@churn_group.command("activate")
@click.argument("version", type=int)
@pass_ctx
def activate(ctx: CliContext, version: int) -> None:
    """Make a stored version the active one (then run `healthdash churn score`)."""
    from sqlalchemy import select

    from dashapp.analytics.churn import service
    from models.churn import ChurnModel

    ctx.require_migrated()
    with ctx.db.transaction() as session:
        model_id = session.scalar(select(ChurnModel.id).where(ChurnModel.version == version))
        if model_id is None:
            raise CliError(f"there is no churn model version {version}")
        service.activate(session, model_id)
    click.echo(f"Version {version} is now the active churn model.")


@churn_group.command("card")
@pass_ctx
def show_card(ctx: CliContext) -> None:
    """The active model's card: window, validation, held-out figures beside the baselines."""
    from dashapp.analytics.churn import card, service

    ctx.require_migrated()
    with ctx.db.transaction() as session:
        model = service.active_model(session)
        if model is None:
            raise CliError("there is no active churn model: run `healthdash churn train`")
        click.echo(card.format_card(model))
