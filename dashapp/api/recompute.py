"""`POST /jobs/recompute`: queue a health recompute, exactly as `healthdash scores recompute --enqueue` and
the scheduler do (`jobs.scores.enqueue_recompute`); poll `GET /jobs/{id}` for its status and progress."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from sqlalchemy import select

from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, json_response
from dashapp.api.jobs import job_body
from dashapp.api.schemas import Job, RecomputeRequest
from dashapp.api.spec import operation
from dashapp.extensions import db_session, runtime
from jobs.scores import enqueue_recompute
from models.account import Account, live
from models.job import JobRun


def _account_ids(external_ids: list[str]) -> list[int]:
    wanted = list(dict.fromkeys(external_ids))
    found = dict(
        db_session()
        .execute(
            select(Account.external_id, Account.id).where(Account.external_id.in_(wanted), live(Account))
        )
        .all()
    )
    unknown = [e for e in wanted if e not in found]
    if unknown:
        shown = ", ".join(map(repr, unknown[:10])) + (
            f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        )
        raise ApiError(
            422,
            f"The body has invalid values: body.accounts names no account {shown}.",
            errors=[
                {"name": "body.accounts", "message": f"no account with external id {e!r}"} for e in unknown
            ],
        )
    return [found[e] for e in wanted]


@operation(
    bp,
    "POST",
    "/jobs/recompute",
    summary="Recompute health scores",
    tag="Jobs",
    body=RecomputeRequest,
    response=Job,
    status=202,
    scope="write",
    permission="run_jobs",
)
def post_recompute(caller: Any, body: RecomputeRequest) -> Response:
    """Queue a recompute of every active account (the default), of `accounts`, of a `segment`, or of those
    whose data `changed`, for the last `days` days. Answers 202 with the job (and its URL in `Location`);
    poll `GET /jobs/{id}` for status and progress. Asking again while the same recompute is still queued or
    running returns that job instead of queueing a second."""
    ids = _account_ids(body.accounts) if body.accounts else None
    # End this request's read first: the run is written in a transaction of its own.
    db_session().commit()
    rt = runtime()
    run = enqueue_recompute(
        rt.settings,
        rt.db,
        account_ids=ids,
        segment=body.segment or None,
        incremental=body.changed,
        days=body.days,
        requested_by_id=caller.user.id,
    )
    queued = db_session().get(JobRun, run.id) or run  # with the defaults the database filled in
    location = url_for("api_v1.get_job", job_id=str(run.id))
    return json_response(job_body(queued), status=202, headers={"Location": location})
