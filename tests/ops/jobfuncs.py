"""Jobs the operations tests enqueue (RQ imports them by name, so they live in a module)."""

from __future__ import annotations

from typing import Any

from dashapp.ops.context import current_request_id
from jobs.runtime import tracked


@tracked
def report_request_id() -> dict[str, Any]:
    """Succeeds and returns the request id it ran under."""
    return {"request_id": current_request_id()}


@tracked
def always_fails() -> None:
    raise RuntimeError("this job fails on purpose")
