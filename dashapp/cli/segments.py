"""`healthdash segments ...`: cluster accounts by behaviour (here, or queued for the workers) and show them."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click

from dashapp.cache import bump_after_commit
from dashapp.cli.context import CliContext, CliError, pass_ctx

if TYPE_CHECKING:
    from models.segments import SegmentRun


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"--as-of: {value!r} is not a date like 2026-03-31") from None


@click.group("segments")
def segments_group() -> None:
    """Behaviour segments: clusters of accounts by usage, support and billing."""


@segments_group.command("run")
@click.option("--as-of", callback=_parse_date, default=None, help="Last day of the window [default: today].")
@click.option(
    "--k",
    type=click.IntRange(2, 20),
    default=None,
    help="Number of segments [default: chosen by silhouette].",
)
@click.option("--enqueue", is_flag=True, help="Queue it on the analytics queue instead of running it here.")
@pass_ctx
def run(ctx: CliContext, as_of: date | None, k: int | None, enqueue: bool) -> None:
    """Segment every live account and store the run (the newest run is what pages and filters use)."""
    ctx.require_migrated()
    if enqueue:
        from jobs.segments import enqueue_run

        queued = enqueue_run(ctx.settings, ctx.db, as_of=as_of, k=k)
        click.echo(f"Queued run {queued.id} ({queued.title}); job {queued.rq_job_id}.")
        return
    from dashapp.analytics.segment_store import run_segmentation
    from dashapp.analytics.segmentation import SegmentationError

    try:
        with ctx.db.transaction() as session:
            bump_after_commit(session, ctx.settings, "behaviour segmentation")
            stored = run_segmentation(session, as_of=as_of, k=k)
            click.echo(_describe(stored))
    except SegmentationError as exc:
        raise CliError(f"cannot segment: {exc}") from None


@segments_group.command("show")
@pass_ctx
def show(ctx: CliContext) -> None:
    """The newest segmentation run: each segment's name, size and stability."""
    from dashapp.analytics.segment_store import latest_run

    ctx.require_migrated()
    with ctx.db.transaction() as session:
        stored = latest_run(session)
        if stored is None:
            raise CliError("no segmentation run yet; run `healthdash segments run`")
        click.echo(_describe(stored))


def _describe(stored: SegmentRun) -> str:
    lines = [
        f"Segment run {stored.id} as of {stored.as_of}: {stored.k} segments over {stored.accounts:,} accounts; "
        f"silhouette {stored.silhouette:.2f}, stability (mean ARI across reruns) {stored.stability:.2f}."
    ]
    for c in stored.clusters:
        lines.append(
            f"  #{c['cluster']} {c['name']}: {c['size']:,} accounts ({c['share']:.0%}), "
            f"stability {c['stability']:.2f}"
        )
    return "\n".join(lines)
