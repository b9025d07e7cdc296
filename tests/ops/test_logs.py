"""JSON log lines carry the request id, in the web process and in the job the request enqueued."""

from __future__ import annotations

import io
import json
import logging

from dashapp.ops.context import set_request_id
from dashapp.ops.logs import configure_logging
from jobs.queues import enqueue
from tests.ops.jobfuncs import report_request_id
from tests.support.jobs import drain


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_lines_carry_the_request_id_of_the_work_in_progress(settings) -> None:
    stream = io.StringIO()
    handler = configure_logging(settings.with_overrides(log_format="json"), stream)
    try:
        set_request_id("abc-123")
        logging.getLogger("healthdash.test").warning("something to look at")
        set_request_id(None)
        logging.getLogger("healthdash.test").warning("outside any request")
    finally:
        logging.getLogger().removeHandler(handler)
    first, second = _lines(stream)
    assert first["message"] == "something to look at"
    assert first["request_id"] == "abc-123"
    assert first["level"] == "WARNING" and first["logger"] == "healthdash.test" and first["time"]
    assert second["request_id"] == "-"


def test_the_worker_logs_the_request_id_that_enqueued_the_job(osettings, odb) -> None:
    set_request_id("req-into-worker")
    try:
        run = enqueue(osettings, odb, report_request_id, kind="ops-test", queue="default")
    finally:
        set_request_id(None)
    stream = io.StringIO()
    handler = configure_logging(osettings.with_overrides(log_format="json"), stream)
    try:
        drain(osettings, "default")
    finally:
        logging.getLogger().removeHandler(handler)
    ours = [line for line in _lines(stream) if line["logger"] == "jobs.runtime"]
    assert [line["message"].split(" ")[-1] for line in ours[:1]] == ["started"]
    assert {line["request_id"] for line in ours} == {"req-into-worker"}
    assert any(run.rq_job_id in line["message"] and "finished" in line["message"] for line in ours)
