"""/metrics: who may read it, and what it reports, parsed by the official Prometheus text parser."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from dashapp.ops import counters
from dashapp.ops.access import may_read_metrics
from dashapp.ops.context import set_request_id
from dashapp.ops.metrics import render
from jobs.queues import all_queues, enqueue
from models.activity import UsageEvent
from models.job import JobRun
from tests.ops.conftest import sample_value, scrape
from tests.ops.jobfuncs import always_fails, report_request_id
from tests.support.dash_calls import render_page
from tests.support.factories import make_account
from tests.support.health_rows import make_health
from tests.support.jobs import drain


def _families(body: bytes) -> dict[str, list]:
    return {f.name: f.samples for f in text_string_to_metric_families(body.decode())}


def test_metrics_open_to_loopback_and_closed_to_others_and_to_proxied_requests(client) -> None:
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403


def test_the_metrics_token_opens_metrics_from_anywhere(settings) -> None:
    with_token = settings.with_overrides(metrics_token="s3cret-token", metrics_allowed_ips=())
    assert may_read_metrics(with_token, "203.0.113.9", {"Authorization": "Bearer s3cret-token"})
    assert not may_read_metrics(with_token, "203.0.113.9", {"Authorization": "Bearer wrong"})
    assert not may_read_metrics(with_token, "127.0.0.1", {})
    networks = settings.with_overrides(metrics_allowed_ips=("10.0.0.0/8",))
    assert may_read_metrics(networks, "10.20.30.40", {})
    assert not may_read_metrics(networks, "11.0.0.1", {})


def test_request_latency_is_labelled_by_url_rule_not_raw_path(client) -> None:
    before = sample_value(
        scrape(client).get("healthdash_http_request_duration_seconds", []),
        "healthdash_http_request_duration_seconds_count",
        route="/login",
        method="GET",
        status="200",
    )
    for _ in range(3):
        client.get("/login")
    client.get("/api/v1/accounts/raw-id-123/health", headers={"Authorization": "Bearer nope"})
    samples = scrape(client)["healthdash_http_request_duration_seconds"]
    after = sample_value(
        samples, "healthdash_http_request_duration_seconds_count", route="/login", method="GET", status="200"
    )
    assert after == (before or 0) + 3
    routes = {s.labels["route"] for s in samples}
    assert "/api/v1/accounts/<external_id>/health" in routes
    assert not any("raw-id-123" in route for route in routes)


def test_dash_callback_durations_are_labelled_by_their_registered_output(client, logged_in) -> None:
    logged_in("viewer")
    assert render_page(client, "/").status_code == 200
    samples = scrape(client)["healthdash_dash_callback_duration_seconds"]
    outputs = {s.labels["output"] for s in samples if s.name.endswith("_count")}
    assert ".._pages_content.children..._pages_store.data.." in outputs


def test_ingestion_rate_and_newest_score_age_come_from_the_database(client, session) -> None:
    account = make_account(session)
    now = datetime.now(UTC)
    session.add_all(
        UsageEvent(message_id=f"ops-{i}", account_id=account.id, event="login", occurred_at=now)
        for i in range(6)
    )
    make_health(session, account, 72.0)
    session.flush()
    families = scrape(client)
    rate = families["healthdash_ingested_events_per_second"][0].value
    assert rate == 6 / 300
    age = families["healthdash_newest_score_age_seconds"][0].value
    assert 0 <= age < 3600


def test_queue_depth_jobs_failures_and_request_id_carried_into_jobs(osettings, odb) -> None:
    set_request_id("req-from-web-7")
    try:
        ok = enqueue(osettings, odb, report_request_id, kind="ops-test", queue="default")
        enqueue(osettings, odb, always_fails, kind="ops-test", queue="exports")
    finally:
        set_request_id(None)
    queues = all_queues(osettings)
    with odb.transaction() as session:
        waiting = _families(render(osettings, session, queues))
    assert sample_value(waiting["healthdash_queue_depth"], "healthdash_queue_depth", queue="default") == 1
    assert sample_value(waiting["healthdash_queue_depth"], "healthdash_queue_depth", queue="exports") == 1

    drain(osettings, "default", "exports")

    with odb.transaction() as session:
        run = session.scalar(select(JobRun).where(JobRun.id == ok.id))
        assert run.status == "finished"
        assert run.result == {"request_id": "req-from-web-7"}
        done = _families(render(osettings, session, queues))
    depth = done["healthdash_queue_depth"]
    assert sample_value(depth, "healthdash_queue_depth", queue="default") == 0
    jobs = done["healthdash_jobs"]
    assert sample_value(jobs, "healthdash_jobs_total", queue="default", outcome="finished") == 1
    assert sample_value(jobs, "healthdash_jobs_total", queue="exports", outcome="failed") == 1
    failures = done["healthdash_job_failures"]
    assert sample_value(failures, "healthdash_job_failures_total", queue="exports") == 1
    assert sample_value(failures, "healthdash_job_failures_total", queue="default") == 0
    durations = done["healthdash_job_duration_seconds"]
    assert sample_value(durations, "healthdash_job_duration_seconds_count", queue="default") == 1
    assert sample_value(durations, "healthdash_job_duration_seconds_bucket", queue="default", le="+Inf") == 1
    failed_kept = done["healthdash_queue_failed_jobs"]
    assert sample_value(failed_kept, "healthdash_queue_failed_jobs", queue="exports") == 1


def test_webhook_delivery_failures_are_a_counter_other_code_increments(osettings, odb) -> None:
    counters.count_webhook_failure(osettings, "slack")
    counters.count_webhook_failure(osettings, "slack")
    counters.count_webhook_failure(osettings, "webhook")
    with odb.transaction() as session:
        families = _families(render(osettings, session, all_queues(osettings)))
    samples = families["healthdash_webhook_delivery_failures"]
    assert sample_value(samples, "healthdash_webhook_delivery_failures_total", channel="slack") == 2
    assert sample_value(samples, "healthdash_webhook_delivery_failures_total", channel="webhook") == 1
