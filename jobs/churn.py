"""Churn jobs on the "analytics" queue: retrain (then score with the new model) and score.

Thin shells: plain arguments in, a JSON-able summary out (stored in `job_runs.result`); the work is in
`dashapp.analytics.churn.service`. The nightly retrain is declared in `jobs.schedule`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rq import Retry

from dashapp.analytics.churn import service
from dashapp.settings import Settings
from jobs.queues import enqueue, make_job_id
from jobs.runtime import job_database, set_progress, tracked
from models.db import Database
from models.job import JobRun

# Training stores a new version each time, so a retry after a crash may store one more: harmless.
TRAIN_RETRY = Retry(max=1, interval=[60])


@tracked
def train(
    horizon_days: int = 90,
    label: str = "churned",
    as_of: list[str] | None = None,
    actor_id: int | None = None,
    score: bool = True,
) -> dict[str, Any]:
    """Train and store a new model version (active), then score every open account with it."""
    set_progress(0.0, "building training rows")
    db = job_database()
    with db.transaction() as session:
        model = service.train_model(
            session,
            horizon_days=horizon_days,
            label=label,
            dates=[date.fromisoformat(d) for d in as_of] if as_of else None,
            requested_by_id=actor_id,
            progress=lambda f, m="": set_progress(0.8 * f, m),
        )
        summary = {
            "model_id": model.id,
            "version": model.version,
            "mode": model.mode,
            "roc_auc": model.roc_auc,
            "baseline_roc_auc": model.evaluation["baseline"]["roc_auc"],
            "brier": model.brier,
        }
    if score:
        with db.transaction() as session:
            scored = service.score_accounts(
                session, model_id=summary["model_id"], progress=lambda f, m="": set_progress(0.8 + 0.2 * f, m)
            )
        summary["scored"] = scored["accounts"]
        summary["scored_as_of"] = scored["as_of"]
    return summary


@tracked
def score() -> dict[str, Any]:
    """Score every open account with the active model (nothing to do while there is none)."""
    with job_database().transaction() as session:
        if service.active_model(session) is None:
            return {"skipped": "there is no active churn model yet"}
        return service.score_accounts(session, progress=set_progress)


def enqueue_train(
    settings: Settings,
    db: Database,
    *,
    horizon_days: int = 90,
    label: str = "churned",
    as_of: list[date] | None = None,
    requested_by_id: int | None = None,
) -> JobRun:
    """Queue a retrain; asking again while one waits or runs returns that run."""
    if not 1 <= horizon_days <= 730:
        raise ValueError("horizon_days must be between 1 and 730")
    return enqueue(
        settings,
        db,
        train,
        kind="churn.train",
        queue="analytics",
        title=f"Retrain the churn model ({horizon_days}-day horizon)",
        job_id=make_job_id("churn", "train", horizon_days, label),
        requested_by_id=requested_by_id,
        retry=TRAIN_RETRY,
        params={"horizon_days": horizon_days, "label": label},
        horizon_days=horizon_days,
        label=label,
        as_of=[d.isoformat() for d in as_of] if as_of else None,
        actor_id=requested_by_id,
    )


def enqueue_score(settings: Settings, db: Database, *, requested_by_id: int | None = None) -> JobRun:
    return enqueue(
        settings,
        db,
        score,
        kind="churn.score",
        queue="analytics",
        title="Score churn risk of every account",
        job_id=make_job_id("churn", "score"),
        requested_by_id=requested_by_id,
    )
