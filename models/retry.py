"""Retrying a whole transaction when PostgreSQL aborts it for a deadlock or a serialisation failure.

Writers take row locks in a stable (sorted) key order, which removes most deadlocks; the ones left (two
writers touching several tables in different orders) are resolved by PostgreSQL aborting one side, which is
then safe to redo from the start, since nothing of the aborted transaction was kept.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

import psycopg.errors

T = TypeVar("T")
log = logging.getLogger(__name__)

TRANSIENT_ERRORS = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)
ATTEMPTS = 5


def is_transient(exc: BaseException) -> bool:
    """A deadlock or serialisation failure, raised by psycopg directly or wrapped by SQLAlchemy."""
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return False
        if isinstance(seen, TRANSIENT_ERRORS):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def retry_transient(
    attempt: Callable[[], T], *, attempts: int = ATTEMPTS, rollback: Callable[[], None] | None = None
) -> T:
    """Run `attempt` (one whole transaction) until it ends without a transient error, at most `attempts`
    times. `rollback` ends the failed transaction when `attempt` does not do so itself."""
    for number in range(1, attempts + 1):
        try:
            return attempt()
        except Exception as exc:
            if number == attempts or not is_transient(exc):
                raise
            if rollback is not None:
                rollback()
            log.info(
                "transaction aborted (%s); retrying, attempt %d of %d",
                type(exc).__name__,
                number + 1,
                attempts,
            )
            # A random pause, growing with each attempt, so the two sides do not collide again in step.
            time.sleep(random.uniform(0, 0.02 * 2**number))
    raise AssertionError("unreachable")
