"""`healthdash forecasts ...`: fit the forecasts (here, or queued for the workers), list them, and
evaluate the forecasting code on any `ds,y` CSV file."""

from __future__ import annotations

from pathlib import Path

import click

from dashapp.cli.context import CliContext, CliError, pass_ctx


@click.group("forecasts")
def forecasts_group() -> None:
    """Forecasts of the book, segments and accounts, each with its backtest against seasonal naive."""


@forecasts_group.command("run")
@click.option("--force", is_flag=True, help="Refit every series, even those whose input has not changed.")
@click.option("--key", "key", default=None, help="Only this series, e.g. book:all:avg_score.")
@click.option("--enqueue", is_flag=True, help="Queue it for the workers (one job per series) instead.")
@pass_ctx
def run(ctx: CliContext, force: bool, key: str | None, enqueue: bool) -> None:
    """Fit the forecasts whose input changed (all planned series unless --key)."""
    from dashapp.analytics.forecasting import series, store

    if key is not None:
        try:
            parsed = series.SeriesKey.parse(key)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    ctx.require_migrated()
    if enqueue:
        from jobs.forecasts import enqueue_fit, enqueue_run

        job = (
            enqueue_fit(ctx.settings, ctx.db, key, force=force)
            if key
            else enqueue_run(ctx.settings, ctx.db, force=force)
        )
        click.echo(f"Queued run {job.id} ({job.title}); job {job.rq_job_id}.")
        return
    if key is not None:
        with ctx.db.transaction() as session:
            outcomes = [store.fit_and_store(session, parsed, force=force)]
    else:
        from jobs.forecasts import run_inline

        with click.progressbar(length=1, label="Fitting forecasts", show_pos=True) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(1)

            outcomes = run_inline(ctx.db, force=force, progress=progress)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    click.echo(
        f"{len(outcomes):,} series: "
        + ", ".join(f"{n:,} {status.replace('_', ' ')}" for status, n in sorted(counts.items()))
        + "."
    )


@forecasts_group.command("list")
@pass_ctx
def list_(ctx: CliContext) -> None:
    """Each stored forecast with its backtest verdict per horizon."""
    from dashapp.queries.forecasts import list_series

    ctx.require_migrated()
    with ctx.db.transaction() as session:
        rows = list_series(session)
    if not rows:
        click.echo("No forecasts yet: run `healthdash forecasts run`.")
        return
    for item in rows:
        click.echo(f"{item.key}  [{item.status}]")
        for result in item.results:
            click.echo(f"  {result.horizon:>3} days: {result.evaluation_note}")


@forecasts_group.command("evaluate")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--folds", type=click.IntRange(1, 12), default=3, show_default=True)
def evaluate(csv_file: Path, folds: int) -> None:
    """Backtest the forecasting model on a CSV file with `ds` (day) and `y` columns against seasonal naive."""
    import pandas as pd

    from dashapp.analytics.forecasting import model, series

    frame = pd.read_csv(csv_file)
    missing = {"ds", "y"} - set(frame.columns)
    if missing:
        raise CliError(f"{csv_file.name}: missing column(s) {', '.join(sorted(missing))}; need ds and y")
    try:
        daily = series.from_frame(frame)
        fitted = model.fit(daily, folds=folds)
    except ValueError as exc:
        raise CliError(f"{csv_file.name}: {exc}") from None
    click.echo(f"{csv_file.name}: {len(daily):,} days, {fitted.fits} Prophet fits in {fitted.seconds:.1f} s")
    for horizon, bt in sorted(fitted.backtests.items()):
        if bt.mase is None:
            click.echo(f"  {horizon:>3} days: not evaluated ({bt.reason})")
            continue
        click.echo(
            f"  {horizon:>3} days: MASE vs seasonal naive {bt.mase:.3f} "
            f"(MAE {bt.model_mae:.4f} vs naive {bt.naive_mae:.4f}; scaled MASE {bt.scaled_mase:.3f} "
            f"vs naive {bt.naive_scaled_mase:.3f}; {len(bt.folds)} origins): "
            + ("beats naive" if bt.beats_naive else "does not beat naive")
        )
