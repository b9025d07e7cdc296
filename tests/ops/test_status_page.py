"""The admin Status page over HTTP: admins only; queues, workers, failed jobs; retry and cancel act on RQ."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from dashapp.extensions import runtime as app_runtime
from jobs import runtime as job_runtime
from jobs.queues import enqueue, get_queue
from models.job import JobRun
from tests.ops.jobfuncs import always_fails
from tests.support.dash_calls import render_page
from tests.support.jobs import drain

OUTPUT = "..status-body.children...status-message.children.."


@pytest.fixture
def failed_run(app, client, settings) -> Iterator[JobRun]:
    """A job that failed on the app's `exports` queue, recorded in the test's transaction."""
    with app.app_context():
        db = app_runtime().db
    run = enqueue(settings, db, always_fails, kind="ops-test", queue="exports", title="Nightly export")
    job_runtime.use_database(db)
    try:
        drain(settings, "exports")
    finally:
        job_runtime.use_database(None)
    yield run
    FailedJobRegistry(queue=get_queue("exports", settings)).remove(run.rq_job_id, delete_job=True)


def _click(client, kind: str, job_id: str):
    pattern = {"job": job_id, "type": kind}
    other = "status-cancel" if kind == "status-retry" else "status-retry"
    body = {
        "output": OUTPUT,
        "outputs": [
            {"id": "status-body", "property": "children"},
            {"id": "status-message", "property": "children"},
        ],
        "inputs": [
            {"id": "status-refresh", "property": "n_intervals", "value": None},
            [{"id": pattern, "property": "n_clicks", "value": 1}],
            [{"id": {"job": job_id, "type": other}, "property": "n_clicks", "value": None}],
        ],
        "changedPropIds": [json.dumps(pattern, separators=(",", ":"), sort_keys=True) + ".n_clicks"],
        "state": [],
    }
    if kind == "status-cancel":
        body["inputs"][1], body["inputs"][2] = body["inputs"][2], body["inputs"][1]
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return json.dumps(response.json["response"])


def test_the_status_page_is_for_admins_only(client, logged_in) -> None:
    logged_in("manager")
    body = json.dumps(render_page(client, "/admin/status").json)
    assert "forbidden" in body and "status-queues" not in body


def test_admins_see_queues_workers_failed_jobs_and_score_freshness(client, logged_in, failed_run) -> None:
    logged_in("admin")
    body = json.dumps(render_page(client, "/admin/status").json)
    for part in (
        "status-queues",
        "status-failed",
        "status-freshness",
        "Nightly export",
        "this job fails on purpose",
    ):
        assert part in body
    assert "No worker is running" in body


def test_retry_puts_a_failed_job_back_on_its_queue(client, logged_in, failed_run, settings, session) -> None:
    logged_in("admin")
    queue = get_queue("exports", settings)
    assert failed_run.rq_job_id in FailedJobRegistry(queue=queue).get_job_ids()
    text = _click(client, "status-retry", failed_run.rq_job_id)
    assert "Nightly export: queued again." in text
    assert failed_run.rq_job_id in queue.get_job_ids()
    assert failed_run.rq_job_id not in FailedJobRegistry(queue=queue).get_job_ids()
    run = session.scalar(select(JobRun).where(JobRun.id == failed_run.id))
    session.refresh(run)
    assert run.status == "queued" and run.ended_at is None
    again = _click(client, "status-retry", failed_run.rq_job_id)
    assert "only failed jobs are retried" in again
    queue.remove(failed_run.rq_job_id)


def test_cancel_ends_a_failed_job_for_good(client, logged_in, failed_run, settings, session) -> None:
    logged_in("admin")
    queue = get_queue("exports", settings)
    text = _click(client, "status-cancel", failed_run.rq_job_id)
    assert "Nightly export: canceled." in text
    assert failed_run.rq_job_id not in FailedJobRegistry(queue=queue).get_job_ids()
    run = session.scalar(select(JobRun).where(JobRun.id == failed_run.id))
    session.refresh(run)
    assert run.status == "canceled"
    assert "status-failed-empty" in text


def test_a_job_of_another_installation_is_refused(client, logged_in) -> None:
    logged_in("admin")
    assert "There is no job" in _click(client, "status-retry", "not-a-job-of-ours")
