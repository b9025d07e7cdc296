"""Prometheus metrics: what the web processes measure themselves, and what /metrics reads at scrape time.

In-process figures (request latency per route, Dash callback durations) use the official client. Under
gunicorn with PROMETHEUS_MULTIPROC_DIR set, each worker process writes them to files in that folder and a
scrape merges them (the client's multiprocess mode); gunicorn's `child_exit` hook (dashapp/ops/gunicorn_conf.py)
tidies up after a worker exits.

Everything else is read when Prometheus scrapes, from where the truth lives: queue depth and workers from
RQ, job and webhook figures from Redis (`dashapp.ops.counters`), ingestion and score freshness from
PostgreSQL. These are computed per scrape, so they are the same whichever web process answers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from rq import Queue, Worker
from rq.registry import FailedJobRegistry, StartedJobRegistry
from sqlalchemy import text
from sqlalchemy.orm import Session

from dashapp.ops import counters
from dashapp.settings import Settings

log = logging.getLogger(__name__)

# The web processes' own metrics live in this registry (not the client's global one), so building the app
# twice in one process (tests) does not register them twice.
APP_REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_SECONDS = Histogram(
    "healthdash_http_request_duration_seconds",
    "Time to answer an HTTP request, by route (the URL rule, not the raw path), method and status.",
    ("route", "method", "status"),
    registry=APP_REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CALLBACK_SECONDS = Histogram(
    "healthdash_dash_callback_duration_seconds",
    "Time to run a Dash callback, by its output (as Dash registered it).",
    ("output", "status"),
    registry=APP_REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
READ_CACHE_LOOKUPS = Counter(
    "healthdash_read_cache_lookups",
    "Explore queries asked of the read cache, by query and outcome (hits, misses, skipped: run directly).",
    ("query", "outcome"),
    registry=APP_REGISTRY,
)

# Scanning at most this many of the newest events keeps the ingestion figure cheap on a big table.
_INGEST_WINDOW_SECONDS = 300
_INGEST_SCAN_ROWS = 500_000


def multiprocess_dir() -> str | None:
    """The folder the client writes to, when multiprocess mode is on (read by the client from the environment)."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return path if path and os.path.isdir(path) else None


class _AppMetrics(Collector):
    """This process's own metrics (single-process mode)."""

    def collect(self) -> Iterator[Metric]:
        yield from APP_REGISTRY.collect()


class ScrapeCollector(Collector):
    """Figures read from RQ, Redis and PostgreSQL when /metrics is scraped."""

    def __init__(self, settings: Settings, session: Session, queues: list[Queue]) -> None:
        self.settings = settings
        self.session = session
        self.queues = queues

    def collect(self) -> Iterator[Metric]:
        for part in (self._queues, self._jobs, self._webhooks, self._database):
            try:
                yield from part()
            except Exception:  # one broken source must not blank the whole scrape
                log.exception("metrics: %s failed", part.__name__)

    def _queues(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("healthdash_queue_depth", "Jobs waiting on each queue.", labels=["queue"])
        running = GaugeMetricFamily(
            "healthdash_queue_running", "Jobs running from each queue.", labels=["queue"]
        )
        failed = GaugeMetricFamily(
            "healthdash_queue_failed_jobs",
            "Failed jobs kept in each queue's failed registry.",
            labels=["queue"],
        )
        workers = GaugeMetricFamily(
            "healthdash_workers", "Workers registered on each queue.", labels=["queue"]
        )
        prefix = self.settings.redis_namespace
        for queue in self.queues:
            name = queue.name.removeprefix(prefix)
            depth.add_metric([name], queue.count)
            running.add_metric([name], StartedJobRegistry(queue=queue).count)
            failed.add_metric([name], FailedJobRegistry(queue=queue).count)
            workers.add_metric([name], Worker.count(queue=queue))
        yield from (depth, running, failed, workers)

    def _jobs(self) -> Iterator[Metric]:
        total = CounterMetricFamily(
            "healthdash_jobs", "Jobs ended, by queue and outcome (finished, failed, interrupted).",
            labels=["queue", "outcome"],
        )  # fmt: skip
        failures = CounterMetricFamily(
            "healthdash_job_failures", "Jobs that failed or whose process died, by queue.", labels=["queue"]
        )
        duration = HistogramMetricFamily(
            "healthdash_job_duration_seconds", "Time jobs ran, by queue.", labels=["queue"]
        )
        for queue, figures in sorted(counters.read_jobs(self.settings).items()):
            for outcome, count in sorted(figures.outcomes.items()):
                total.add_metric([queue, outcome], count)
            failures.add_metric(
                [queue], figures.outcomes.get("failed", 0) + figures.outcomes.get("interrupted", 0)
            )
            buckets = counters.cumulative_buckets(figures)
            duration.add_metric([queue], buckets, figures.duration_sum)
        yield from (total, failures, duration)

    def _webhooks(self) -> Iterator[Metric]:
        failures = CounterMetricFamily(
            "healthdash_webhook_delivery_failures",
            "Outbound deliveries (webhooks and other channels) that failed, by channel.",
            labels=["channel"],
        )
        for channel, count in sorted(counters.read_webhook_failures(self.settings).items()):
            failures.add_metric([channel], count)
        yield failures

    def _database(self) -> Iterator[Metric]:
        row = self.session.execute(
            text(
                "SELECT count(*) FROM (SELECT received_at FROM usage_events ORDER BY id DESC LIMIT :scan) e "
                "WHERE received_at >= now() - make_interval(secs => :window)"
            ),
            {"scan": _INGEST_SCAN_ROWS, "window": _INGEST_WINDOW_SECONDS},
        ).scalar_one()
        yield GaugeMetricFamily(
            "healthdash_ingested_events_per_second",
            f"Usage events stored per second, averaged over the last {_INGEST_WINDOW_SECONDS} s.",
            value=row / _INGEST_WINDOW_SECONDS,
        )
        age = self.session.execute(
            text("SELECT EXTRACT(EPOCH FROM now() - max(updated_at)) FROM account_health")
        ).scalar_one()
        if age is not None:  # no score yet: no sample (an alert on absent() covers a never-scored install)
            yield GaugeMetricFamily(
                "healthdash_newest_score_age_seconds",
                "Seconds since the newest health score was written.",
                value=max(0.0, float(age)),
            )


def render(settings: Settings, session: Session, queues: list[Queue]) -> bytes:
    """The text exposition of every metric: this process's (or all gunicorn workers') and the scraped ones."""
    registry = CollectorRegistry(auto_describe=False)
    path = multiprocess_dir()
    if path:
        MultiProcessCollector(registry, path=path)
    else:
        registry.register(_AppMetrics())
    registry.register(ScrapeCollector(settings, session, queues))
    return generate_latest(registry)
