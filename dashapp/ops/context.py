"""The request id of the work in progress: set per web request or per job, read by logs and by enqueue.

Plain context variables, no Flask: jobs and the CLI use it too.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("healthdash_request_id", default=None)

# What we accept from an incoming X-Request-ID: short, printable, no spaces (it lands in logs and headers).
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(incoming: str | None) -> str:
    """The caller's id when it is safe to log and echo, else a new one."""
    if incoming and _VALID.match(incoming):
        return incoming
    return new_request_id()


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> None:
    _request_id.set(value)
