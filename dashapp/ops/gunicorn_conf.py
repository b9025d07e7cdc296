"""gunicorn settings and hooks for `healthdash serve` (passed as `--config python:dashapp.ops.gunicorn_conf`).

- Logs: gunicorn's own loggers use our format (JSON or text); the access log line carries the request id.
- Prometheus multiprocess mode (PROMETHEUS_MULTIPROC_DIR): the folder is emptied when the server starts
  (files of a previous run would add old counts) and each exiting worker is marked dead.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from dashapp.ops.logs import gunicorn_logconfig
from dashapp.settings import Settings

_settings = Settings.from_env()

logconfig_dict = gunicorn_logconfig(_settings)
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'


def on_starting(_server: Any) -> None:
    folder = _settings.prometheus_multiproc_dir
    if folder is None:
        return
    if folder.exists():
        for entry in Path(folder).iterdir():
            if entry.is_file() and entry.suffix == ".db":
                entry.unlink()
            elif entry.is_dir():
                shutil.rmtree(entry)
    folder.mkdir(parents=True, exist_ok=True)


def child_exit(_server: Any, worker: Any) -> None:
    if _settings.prometheus_multiproc_dir is None:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, str(_settings.prometheus_multiproc_dir))
