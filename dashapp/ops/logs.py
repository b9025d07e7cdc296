"""Log set-up shared by the web server, workers and the scheduler: one line per record, JSON or text,
each with the request id of the work in progress (see `dashapp.ops.context`)."""

from __future__ import annotations

import logging
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from dashapp.ops.context import current_request_id
from dashapp.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
_HANDLER_NAME = "healthdash"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (from the record itself, else from the work in progress)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return True


def make_formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
    return logging.Formatter(TEXT_FORMAT)


def make_handler(log_format: str, stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(make_formatter(log_format))
    handler.addFilter(RequestIdFilter())
    return handler


def configure_logging(settings: Settings, stream: Any = None) -> logging.Handler:
    """Install our handler on the root logger (once: a second call replaces it). Returns the handler."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    handler = make_handler(settings.log_format, stream)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    return handler


def gunicorn_logconfig(settings: Settings) -> dict[str, Any]:
    """gunicorn's own loggers (errors and the access log) in the same format, on stderr/stdout."""
    formatter: dict[str, Any]
    if settings.log_format == "json":
        formatter = {
            "()": JsonFormatter,
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    else:
        formatter = {"format": TEXT_FORMAT}
    handler = {"class": "logging.StreamHandler", "formatter": "healthdash", "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"healthdash": formatter},
        "handlers": {
            "error": {**handler, "stream": "ext://sys.stderr"},
            "access": {**handler, "stream": "ext://sys.stdout"},
        },
        # The application installs its own root handler (configure_logging); gunicorn's default would double it.
        "root": {"level": settings.log_level, "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": settings.log_level, "handlers": ["error"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }
