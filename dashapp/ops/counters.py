"""Counters and histograms kept in Redis, for what happens outside the web processes.

Jobs run in forked work-horses, often in another container, so their figures cannot live in the web
server's memory: each finished or failed job adds to a Redis hash (one round trip), and the web server's
/metrics turns the hash into Prometheus counters and histograms when it is scraped. Other code counts its
own events the same way, e.g. `count_webhook_failure(settings, "slack")`.

The hashes are cumulative and never trimmed; losing Redis resets them, which Prometheus reads as a
counter reset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import redis

from dashapp.settings import Settings

# Seconds; jobs run from a fraction of a second (roll-ups) to hours (a full recompute).
JOB_BUCKETS: tuple[float, ...] = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, math.inf)
_SEP = "|"


@cache
def _connection(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def connection(settings: Settings) -> redis.Redis:
    assert settings.redis_url, "resolve services first"
    return _connection(settings.redis_url)


def jobs_key(settings: Settings) -> str:
    return f"{settings.redis_namespace}ops:metrics:jobs"


def webhooks_key(settings: Settings) -> str:
    return f"{settings.redis_namespace}ops:metrics:webhook_failures"


def _le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(float(bound))


def record_job(settings: Settings, queue: str, seconds: float, *, failed: bool) -> None:
    """One job ended on `queue` after `seconds` (failed or not)."""
    key = jobs_key(settings)
    pipe = connection(settings).pipeline(transaction=False)
    outcome = "failed" if failed else "finished"
    pipe.hincrby(key, _SEP.join(("total", queue, outcome)), 1)
    pipe.hincrbyfloat(key, _SEP.join(("sum", queue)), max(0.0, seconds))
    for bound in JOB_BUCKETS:
        if seconds <= bound:
            pipe.hincrby(key, _SEP.join(("bucket", queue, _le(bound))), 1)
    pipe.execute()


def record_job_interrupted(settings: Settings, queue: str) -> None:
    """A job whose process died: a failure with no duration."""
    connection(settings).hincrby(jobs_key(settings), _SEP.join(("total", queue, "interrupted")), 1)


def count_webhook_failure(settings: Settings, channel: str = "webhook", amount: int = 1) -> None:
    """An outbound delivery (webhook, Slack, SMS, ...) failed; exposed as healthdash_webhook_delivery_failures_total."""
    connection(settings).hincrby(webhooks_key(settings), channel, amount)


@dataclass
class JobFigures:
    """What the hash holds for one queue."""

    outcomes: dict[str, int] = field(default_factory=dict)
    duration_sum: float = 0.0
    buckets: dict[str, int] = field(default_factory=dict)


def read_jobs(settings: Settings) -> dict[str, JobFigures]:
    raw = connection(settings).hgetall(jobs_key(settings))
    figures: dict[str, JobFigures] = {}
    for name, value in raw.items():
        kind, queue, *rest = name.decode().split(_SEP)
        entry = figures.setdefault(queue, JobFigures())
        if kind == "total" and rest:
            entry.outcomes[rest[0]] = int(value)
        elif kind == "sum":
            entry.duration_sum = float(value)
        elif kind == "bucket" and rest:
            entry.buckets[rest[0]] = int(value)
    return figures


def read_webhook_failures(settings: Settings) -> dict[str, int]:
    raw = connection(settings).hgetall(webhooks_key(settings))
    return {name.decode(): int(value) for name, value in raw.items()}


def cumulative_buckets(figures: JobFigures) -> list[tuple[str, float]]:
    """(le, count) for every bound, as Prometheus wants them (each bucket counts jobs at or under its bound)."""
    return [(_le(b), float(figures.buckets.get(_le(b), 0))) for b in JOB_BUCKETS]
