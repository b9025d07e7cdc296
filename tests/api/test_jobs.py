"""`/jobs/{id}`: a job's status and progress, for the person who started it or anyone who may run jobs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from models.job import JobRun


def _run(session: Session, requested_by: int | None, **kw) -> JobRun:
    values = {"rq_job_id": "scores:abc", "kind": "scores.recompute", "queue": "scores", "title": "Recompute"}
    run = JobRun(requested_by_id=requested_by, **{**values, **kw})
    session.add(run)
    session.flush()
    return run


def test_the_requester_sees_status_and_progress(api, token, session: Session) -> None:
    user, secret = token("csm")
    run = _run(session, user.id, status="started", progress=0.4, message="Scoring 4,000 of 10,000")
    body = api.get(f"/jobs/{run.id}", secret).json
    assert body["id"] == run.id and body["status"] == "started" and body["progress"] == 0.4
    assert body["message"] == "Scoring 4,000 of 10,000" and body["error"] is None


def test_failed_jobs_say_why_in_one_line(api, token, session: Session) -> None:
    user, secret = token("manager")
    trace = "Traceback (most recent call last):\n  File ...\nValueError: scorecard has no measures"
    run = _run(session, user.id, status="failed", error=trace, ended_at=datetime.now(UTC))
    body = api.get(f"/jobs/{run.id}", secret).json
    assert body["status"] == "failed" and body["error"] == "ValueError: scorecard has no measures"


def test_others_jobs_are_hidden_unless_the_role_runs_jobs(api, token, session: Session) -> None:
    owner, _ = token("manager")
    run = _run(session, owner.id, status="finished", progress=1.0, result={"accounts": 12})
    _, viewer = token("viewer")
    _, manager = token("manager")
    hidden = api.get(f"/jobs/{run.id}", viewer)
    assert hidden.status_code == 404 and hidden.content_type == "application/problem+json"
    shown = api.get(f"/jobs/{run.id}", manager)
    assert shown.status_code == 200 and shown.json["result"] == {"accounts": 12}


def test_unknown_job_ids_are_404(api, token) -> None:
    _, secret = token("admin")
    for job_id in ("999999", "abc", "-1", "1" * 30):
        assert api.get(f"/jobs/{job_id}", secret).status_code == 404
