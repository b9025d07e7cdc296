"""`POST /jobs/recompute` queues the recompute the CLI and the scheduler queue (`jobs.scores`); a real RQ
worker on the real Redis runs it, and `GET /jobs/{id}` reports its status and progress."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from dashapp.extensions import EXTENSION_KEY
from jobs import runtime as job_runtime
from jobs.queues import all_queues, get_queue, redis_connection
from jobs.workers import SimpleWorker
from models.job import JobRun
from tests.scoring.book import seed_book
from tests.support.factories import make_account


@pytest.fixture
def worker(app: Flask, client) -> Iterator:
    """Runs the queued score jobs here, on the test's own (rolled-back) database connection."""
    rt = app.extensions[EXTENSION_KEY]
    job_runtime.use_database(rt.db)

    def work() -> None:
        queues = all_queues(rt.settings, ["scores"])
        SimpleWorker(queues, connection=redis_connection(rt.settings.redis_url)).work(
            burst=True, with_scheduler=False
        )

    yield work
    job_runtime.use_database(None)


def test_a_manager_queues_a_recompute_that_a_worker_runs(
    api, token, worker, app: Flask, connection: Connection, session: Session
) -> None:
    book = seed_book(connection.connection.driver_connection, accounts=6, days=40, prefix="rc")
    user, secret = token("manager", "write")
    response = api.request("POST", "/jobs/recompute", secret, json={"days": 2})
    assert response.status_code == 202, response.json
    job = response.json
    assert response.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert (job["status"], job["progress"], job["kind"]) == ("queued", 0.0, "scores.recompute")
    assert job["title"].startswith("Recompute health for all accounts")
    run = session.get(JobRun, job["id"])
    assert run.requested_by_id == user.id and run.params["days"] == 2
    queued = get_queue("scores", app.extensions[EXTENSION_KEY].settings).fetch_job(run.rq_job_id)
    assert queued is not None and queued.kwargs["days"] == 2 and queued.meta["run_id"] == run.id
    polled = api.get(response.headers["Location"].removeprefix("/api/v1"), secret).json
    assert polled["status"] == "queued"
    worker()
    done = api.get(f"/jobs/{job['id']}", secret).json
    assert done["status"] == "finished" and done["progress"] == 1.0, done
    assert done["result"]["snapshots"] == 2 * len(book.account_ids) and len(done["result"]["days"]) == 2
    assert done["started_at"] and done["ended_at"] and done["error"] is None


def test_some_accounts_a_segment_or_the_changed_ones(api, token, session: Session) -> None:
    make_account(session, external_id="rc-a")
    make_account(session, external_id="rc-b")
    _, secret = token("admin", "write")
    some = api.request("POST", "/jobs/recompute", secret, json={"accounts": ["rc-b", "rc-a", "rc-b"]})
    assert some.status_code == 202 and some.json["title"] == "Recompute health for 2 account(s)"
    run = session.get(JobRun, some.json["id"])
    ids = dict(session.execute(select(JobRun.id, JobRun.params).where(JobRun.id == run.id)).all())
    assert len(ids[run.id]["account_ids"]) == 2
    segment = api.request("POST", "/jobs/recompute", secret, json={"segment": "smb"})
    assert segment.status_code == 202 and segment.json["title"] == "Recompute health for segment smb"
    changed = api.request("POST", "/jobs/recompute", secret, json={"changed": True})
    assert changed.json["title"] == "Recompute health for changed accounts"
    # The same request while it waits returns the waiting job.
    again = api.request("POST", "/jobs/recompute", secret, json={"segment": "smb"})
    assert again.status_code == 202 and again.json["id"] == segment.json["id"]


def test_roles_that_may_not_run_jobs_and_read_tokens_are_403(api, token) -> None:
    for role in ("viewer", "csm"):
        _, secret = token(role, "write")
        refused = api.request("POST", "/jobs/recompute", secret, json={})
        assert refused.status_code == 403 and "background jobs" in refused.json["detail"], refused.json
    _, read = token("admin", "read")
    refused = api.request("POST", "/jobs/recompute", read, json={})
    assert refused.status_code == 403 and "write" in refused.json["detail"]
    assert api.request("POST", "/jobs/recompute", json={}).status_code == 401


def test_bad_bodies_are_422_naming_the_field(api, token, session: Session) -> None:
    make_account(session, external_id="rc-c")
    _, secret = token("manager", "write")
    cases = {
        "body.accounts": {"accounts": ["rc-c", "rc-nope"]},
        "body.days": {"days": 0},
        "body": {"segment": "smb", "changed": True},
        "body.when": {"when": "now"},
    }
    for name, body in cases.items():
        response = api.request("POST", "/jobs/recompute", secret, json=body)
        assert response.status_code == 422, (name, response.json)
        assert name in [e["name"] for e in response.json["errors"]], (name, response.json)
    unknown = api.request("POST", "/jobs/recompute", secret, json={"accounts": ["rc-nope"]}).json
    assert "rc-nope" in unknown["detail"]
    assert api.request("POST", "/jobs/recompute", secret, json={"accounts": []}).status_code == 422
    assert session.scalar(select(JobRun.id)) is None
