"""Score jobs: recompute (all, incremental, some accounts, a segment; with backfill), backtest, preview.

Thin shells: each takes plain values, opens its own session through `jobs.runtime`, reports progress and
returns a JSON-able summary (stored in `job_runs.result`). The work is in `dashapp.scoring`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from rq import Retry

from dashapp.cache import bump_data_version
from dashapp.scoring import engine, service
from dashapp.settings import Settings
from jobs.queues import enqueue, make_job_id
from jobs.runtime import job_database, job_settings, set_progress, tracked
from models.db import Database
from models.job import JobRun

# A recompute is idempotent (each day is replaced atomically), so retrying is always safe. The first retry
# is immediate so a job abandoned by a killed worker runs again as soon as a worker picks it up.
RECOMPUTE_RETRY = Retry(max=2, interval=[0, 60])


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@tracked
def recompute(
    account_ids: list[int] | None = None,
    segment: str | None = None,
    incremental: bool = False,
    as_of: str | None = None,
    days: int = 1,
) -> dict[str, Any]:
    """Recompute snapshots for `days` days ending on `as_of` (default today)."""
    scope = engine.Scope(
        account_ids=tuple(account_ids) if account_ids is not None else None,
        segment=segment,
        incremental=incremental,
    )
    set_progress(0.0, f"scoring {scope.describe()}")
    try:
        result = engine.recompute(
            job_database(), as_of=_date(as_of), days=days, scope=scope, progress=set_progress
        )
    finally:  # each day commits on its own: even a failed run may have replaced some days
        bump_data_version(job_settings(), "score recompute")
    # Alerts follow every recompute: the rules run over the whole book on the scores just committed.
    from jobs.alerts import run_evaluation

    set_progress(0.99, "evaluating alert rules")
    alerts = run_evaluation(job_settings(), job_database(), datetime.now(UTC))
    return {**result.as_dict(), "alerts": alerts}


@tracked
def backtest(
    scorecard_id: int | None = None,
    horizon_days: int = 90,
    as_of: list[str] | None = None,
    actor_id: int | None = None,
    label: str = "churned",
) -> dict[str, Any]:
    """Backtest a scorecard's current version and store the result."""
    set_progress(0.0, "backtesting")
    with job_database().transaction() as session:
        stored = service.run_backtest(
            session,
            scorecard_id=scorecard_id,
            horizon_days=horizon_days,
            as_of_dates=[date.fromisoformat(d) for d in as_of] if as_of else None,
            requested_by_id=actor_id,
            progress=set_progress,
            label=label,
        )
        return {"backtest_id": stored.id, "mean_auc": stored.mean_auc, "results": stored.results}


@tracked
def preview(
    definition: dict[str, Any], scorecard_id: int | None = None, horizon_days: int = 90
) -> dict[str, Any]:
    """Score and backtest an edited scorecard without saving it; the result lands in `job_runs.result`."""
    with job_database().transaction() as session:
        return service.preview_scorecard(
            session, definition, scorecard_id=scorecard_id, horizon_days=horizon_days, progress=set_progress
        )


def enqueue_recompute(
    settings: Settings,
    db: Database,
    *,
    account_ids: list[int] | None = None,
    segment: str | None = None,
    incremental: bool = False,
    as_of: date | None = None,
    days: int = 1,
    requested_by_id: int | None = None,
) -> JobRun:
    """Queue a recompute and return its run (poll `job_runs` by id for progress). The same request while
    one is pending returns the pending run instead of queueing a second."""
    if days < 1 or days > 3660:
        raise ValueError("days must be between 1 and 3660")
    if account_ids is not None:
        what = (
            "account-"
            + "_".join(map(str, sorted(account_ids)[:5]))
            + (f"_n{len(account_ids)}" if len(account_ids) > 5 else "")
        )
        title = f"Recompute health for {len(account_ids)} account(s)"
    elif segment is not None:
        what, title = f"segment-{segment}", f"Recompute health for segment {segment}"
    else:
        what = "changed" if incremental else "all"
        title = (
            "Recompute health for changed accounts" if incremental else "Recompute health for all accounts"
        )
    day = as_of.isoformat() if as_of else "today"
    return enqueue(
        settings,
        db,
        recompute,
        kind="scores.recompute",
        queue="scores",
        title=title + (f" ({days} days to {day})" if days > 1 else ""),
        job_id=make_job_id("scores", what, day, days),
        requested_by_id=requested_by_id,
        retry=RECOMPUTE_RETRY,
        params={
            "account_ids": account_ids,
            "segment": segment,
            "incremental": incremental,
            "as_of": day,
            "days": days,
        },
        account_ids=account_ids,
        segment=segment,
        incremental=incremental,
        as_of=as_of.isoformat() if as_of else None,
        days=days,
    )


def enqueue_backtest(
    settings: Settings,
    db: Database,
    *,
    scorecard_id: int | None = None,
    horizon_days: int = 90,
    as_of: list[date] | None = None,
    requested_by_id: int | None = None,
    label: str = "churned",
) -> JobRun:
    return enqueue(
        settings,
        db,
        backtest,
        kind="scores.backtest",
        queue="scores",
        title=f"Backtest scorecard {scorecard_id or 'default'} ({horizon_days}-day horizon)",
        requested_by_id=requested_by_id,
        params={"scorecard_id": scorecard_id, "horizon_days": horizon_days, "label": label},
        scorecard_id=scorecard_id,
        horizon_days=horizon_days,
        as_of=[d.isoformat() for d in as_of] if as_of else None,
        actor_id=requested_by_id,
        label=label,
    )


def enqueue_preview(
    settings: Settings,
    db: Database,
    definition: dict[str, Any],
    *,
    scorecard_id: int | None = None,
    horizon_days: int = 90,
    requested_by_id: int | None = None,
) -> JobRun:
    """Validate first (bad input fails here, not in the worker), then queue the preview."""
    from dashapp.scoring.definition import parse_definition

    parse_definition(definition)
    return enqueue(
        settings,
        db,
        preview,
        kind="scores.preview",
        queue="scores",
        title="Preview a scorecard edit",
        requested_by_id=requested_by_id,
        params={"scorecard_id": scorecard_id, "horizon_days": horizon_days},
        definition=definition,
        scorecard_id=scorecard_id,
        horizon_days=horizon_days,
    )
