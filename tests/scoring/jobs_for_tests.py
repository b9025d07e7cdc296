"""Jobs used by the job-system tests (importable by RQ workers, which run them by dotted name)."""

from __future__ import annotations

from typing import Any

from rq import get_current_job

from jobs.runtime import set_progress, tracked


@tracked
def fails(message: str) -> None:
    raise RuntimeError(message)


@tracked
def fails_once(counter_key: str) -> dict[str, Any]:
    """Fails on its first attempt, succeeds on the next (the attempt count lives in Redis)."""
    job = get_current_job()
    assert job is not None
    attempt = int(job.connection.incr(counter_key))
    set_progress(0.5, f"attempt {attempt}")
    if attempt == 1:
        raise ConnectionError("database went away")
    return {"attempt": attempt}


@tracked
def sleeps(seconds: float) -> dict[str, Any]:
    """Reports progress, then sleeps (a job to kill while it runs)."""
    import time

    set_progress(0.1, "sleeping")
    time.sleep(seconds)
    return {"slept": seconds}
