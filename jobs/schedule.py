"""Every periodic job, declared once as data. `healthdash scheduler` enqueues each when its cron time comes.

Cron expressions are in UTC. To add a periodic job, add an entry here: its function must be a job
(decorated with `jobs.runtime.tracked`) taking plain keyword arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from croniter import croniter
from rq import Retry

from jobs import alerts, churn, exports, forecasts, notify, purge, reports, retention, scores, segments


@dataclass(frozen=True)
class Periodic:
    name: str  # unique; part of each run's job id
    cron: str  # "minute hour day-of-month month day-of-week", UTC
    func: Callable[..., Any]
    kind: str
    queue: str
    title: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    retry: Retry | None = None
    # A missed run (scheduler down at its time) still runs when the scheduler comes back, once.
    catch_up: bool = True

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.cron):
            raise ValueError(f"schedule {self.name!r}: invalid cron expression {self.cron!r}")


SCHEDULE: tuple[Periodic, ...] = (
    Periodic(
        name="scores-nightly",
        cron="0 2 * * *",
        func=scores.recompute,
        kind="scores.recompute",
        queue="scores",
        title="Nightly health recompute (all accounts)",
        retry=scores.RECOMPUTE_RETRY,
    ),
    Periodic(
        name="scores-hourly",
        cron="20 * * * *",
        func=scores.recompute,
        kind="scores.recompute",
        queue="scores",
        title="Hourly health recompute (changed accounts)",
        kwargs={"incremental": True},
        retry=scores.RECOMPUTE_RETRY,
    ),
    Periodic(
        name="segments-nightly",
        cron="30 3 * * *",
        func=segments.run,
        kind="segments.run",
        queue="analytics",
        title="Nightly behaviour segmentation",
        retry=segments.RUN_RETRY,
    ),
    Periodic(
        name="exports-cleanup",
        cron="15 3 * * *",
        func=exports.remove_expired_exports,
        kind="exports.cleanup",
        queue="exports",
        title="Remove exported files past their retention period",
    ),
    Periodic(
        name="events-retention",
        cron="45 3 * * *",
        func=retention.enforce_event_retention,
        kind="events.retention",
        queue="default",
        title="Delete raw events past RAW_EVENT_RETENTION_DAYS",
    ),
    Periodic(
        name="accounts-purge",
        cron="50 3 * * *",
        func=purge.purge_deleted_accounts,
        kind="accounts.purge",
        queue="default",
        title="Purge deleted accounts and contacts past DELETED_RETENTION_DAYS",
    ),
    Periodic(
        name="reports-due",
        cron="5 * * * *",
        func=reports.send_due_reports,
        kind="reports.due",
        queue="reports",
        title="Send the scheduled reports that are due",
    ),
    Periodic(
        name="forecasts-nightly",
        cron="0 4 * * *",
        func=forecasts.run_all,
        kind="forecasts.run",
        queue="analytics",
        title="Nightly forecasts (refit the series whose input changed)",
    ),
    Periodic(
        name="churn-weekly",
        cron="30 3 * * 1",
        func=churn.train,
        kind="churn.train",
        queue="analytics",
        title="Weekly churn model retrain (then score every account)",
        retry=churn.TRAIN_RETRY,
        # Training is heavy: a missed slot waits for next week rather than running at a busy hour.
        catch_up=False,
    ),
    Periodic(
        name="churn-nightly-score",
        cron="0 4 * * *",
        func=churn.score,
        kind="churn.score",
        queue="analytics",
        title="Nightly churn scoring with the active model",
        catch_up=False,
    ),
    Periodic(
        name="notify-sweep",
        cron="* * * * *",
        func=notify.sweep,
        kind="notify.sweep",
        queue="notify",
        title="Send due notifications and webhook retries",
        catch_up=False,
    ),
    Periodic(
        name="alerts-escalate",
        cron="*/15 * * * *",
        func=alerts.escalate,
        kind="alerts.escalate",
        queue="notify",
        title="Escalate unacknowledged alerts (to the owner's manager, then the admins)",
        catch_up=False,
    ),
    Periodic(
        name="notify-digests",
        cron="2 * * * *",
        func=notify.send_digests,
        kind="notify.digests",
        queue="notify",
        title="Daily notification digests (each user at their digest hour)",
    ),
)


def validate(schedule: tuple[Periodic, ...] = SCHEDULE) -> None:
    names = [p.name for p in schedule]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"schedule names must be unique: {', '.join(sorted(duplicates))}")
