"""Jobs whose worker died are not lost.

RQ keeps each running job in its queue's StartedJobRegistry with a heartbeat expiry (about 90 s). When a
worker is killed (SIGKILL, OOM, a lost machine), its entry expires and a later registry cleanup moves the
job on: RQ calls the job's `on_failure` callback with `AbandonedJobError` (which closes its `job_runs` row,
see `jobs.runtime.record_failure`) and re-enqueues it if it has retries left, else marks it failed.

`recover_abandoned` does the same at once for jobs whose worker is known to be dead — its Redis record is
gone or says it died, or it ran on this host and its process no longer exists — instead of waiting for the
heartbeat to expire. `healthdash worker` calls it when it starts.
"""

from __future__ import annotations

import logging
import os
import socket

import redis
from rq.executions import Execution
from rq.registry import StartedJobRegistry
from rq.worker import Worker

from dashapp.settings import Settings
from jobs.queues import all_queues, redis_connection

log = logging.getLogger(__name__)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_is_dead(connection: redis.Redis, worker_name: str) -> bool:
    if not worker_name:
        return False
    data = connection.hgetall(Worker.redis_worker_namespace_prefix + worker_name)
    if not data or b"death" in data:
        return True
    hostname = (data.get(b"hostname") or b"").decode()
    pid = int(data.get(b"pid") or 0)
    return hostname == socket.gethostname() and pid > 0 and not _process_exists(pid)


def recover_abandoned(settings: Settings) -> list[str]:
    """Hand the jobs of dead workers to RQ's abandoned-job handling now. Returns their job ids."""
    connection = redis_connection(settings.redis_url or "")
    recovered: list[str] = []
    for queue in all_queues(settings):
        registry = StartedJobRegistry(queue=queue)
        for entry in connection.zrange(registry.key, 0, -1):
            composite = entry.decode()
            job_id, execution_id = composite.rsplit(":", 1) if ":" in composite else (composite, "")
            try:
                execution = Execution.fetch(execution_id, job_id, connection)
                owner = execution.worker_name
            except ValueError:  # the execution record expired with its worker
                owner = ""
                dead = True
            else:
                dead = worker_is_dead(connection, owner)
            if dead:
                # Expire the entry now; cleanup() then runs RQ's normal abandoned-job path for it.
                connection.zadd(registry.key, {composite: 1}, xx=True)
                recovered.append(job_id)
                log.warning(
                    "job %s was running on dead worker %s; recovering it", job_id, owner or "(unknown)"
                )
        if recovered:
            registry.cleanup(timestamp=1)
    return recovered
