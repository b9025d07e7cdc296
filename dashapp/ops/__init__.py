"""Operations: health and readiness probes, Prometheus metrics, request ids and JSON logs, the status of
queues and workers, and backup/restore.

`init_ops(server, settings)` wires the web side; workers and the CLI use the modules directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from dashapp.settings import Settings


def init_ops(server: Flask, settings: Settings) -> None:
    from dashapp.ops.errors import init_error_reporting
    from dashapp.ops.web import install

    init_error_reporting(settings, component="web")
    install(server, settings)
