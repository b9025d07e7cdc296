"""The web side of operations: `/healthz`, `/readyz`, `/metrics`, request ids and request timing.

- `/healthz` answers 200 while the process can serve requests; it touches nothing else (liveness:
  a failing database must not make an orchestrator restart every web process).
- `/readyz` answers 200 when PostgreSQL and Redis answer, the schema is at the latest migration and a
  worker has sent a heartbeat recently; else 503 naming each failing check (readiness, and alerting).
- `/metrics` is the Prometheus text format, for the addresses and token of `dashapp.ops.access`.
"""

from __future__ import annotations

import re
import time
from typing import Any

import dash
from flask import Blueprint, Flask, Response, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST

from dashapp.auth.guard import add_public_prefix
from dashapp.extensions import db_session, runtime
from dashapp.ops import readiness
from dashapp.ops.access import may_read_metrics
from dashapp.ops.context import accept_request_id, set_request_id
from dashapp.ops.metrics import CALLBACK_SECONDS, REQUEST_SECONDS, render
from dashapp.settings import Settings

REQUEST_ID_HEADER = "X-Request-ID"
CALLBACK_PATH = "/_dash-update-component"
_HASH = re.compile(r"@[0-9a-f]+")

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="alive")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    from jobs.queues import all_queues

    rt = runtime()
    session = db_session()
    checks = [readiness.check_database(session)]
    checks.append(readiness.check_migrations(session) if checks[0].ok else _skipped("migrations"))
    checks.append(readiness.check_redis(rt.redis))
    checks.append(
        readiness.check_worker(rt.settings, all_queues(rt.settings)) if checks[-1].ok else _skipped("worker")
    )
    failing = [c.name for c in checks if not c.ok]
    body = {
        "status": "ready" if not failing else "not ready",
        "failing": failing,
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if not failing else 503


def _skipped(name: str) -> readiness.Check:
    return readiness.Check(name, False, "not checked: a dependency is down")


@bp.get("/metrics")
def metrics() -> Response:
    from jobs.queues import all_queues

    rt = runtime()
    if not may_read_metrics(rt.settings, request.remote_addr, request.headers):
        return Response("Metrics are not open to this client.\n", status=403, mimetype="text/plain")
    body = render(rt.settings, db_session(), all_queues(rt.settings))
    return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0], headers={"Cache-Control": "no-store"})


def _callback_output() -> str | None:
    """The output of the callback being called, if Dash registered it (anything else is not a label)."""
    body: Any = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    if not isinstance(output, str):
        return None
    try:
        registered = dash.get_app().callback_map
    except Exception:
        return None
    return _HASH.sub("", output) if output in registered else None


def install(server: Flask, settings: Settings) -> None:
    """Register the routes and the per-request hooks. Call before the login guard, so every request is timed."""
    for prefix in ("/healthz", "/readyz", "/metrics"):
        add_public_prefix(prefix)
    server.register_blueprint(bp)

    @server.before_request
    def start_request() -> None:
        g.ops_started = time.perf_counter()
        g.request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        set_request_id(g.request_id)

    @server.after_request
    def finish_request(response: Response) -> Response:
        started = g.pop("ops_started", None)
        if started is not None:
            _observe(time.perf_counter() - started, response.status_code)
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        return response

    @server.teardown_request
    def end_request(exc: BaseException | None) -> None:
        started = g.pop("ops_started", None)
        if started is not None:  # after_request did not run: the request ended in an unhandled error
            _observe(time.perf_counter() - started, 500)
        set_request_id(None)


def _observe(seconds: float, status: int) -> None:
    rule = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    rule = rule.replace("<segment:", "<")  # text ids keep the label they had before their converter
    REQUEST_SECONDS.labels(rule, request.method, str(status)).observe(seconds)
    if request.path == CALLBACK_PATH and request.method == "POST":
        output = _callback_output()
        if output is not None:
            CALLBACK_SECONDS.labels(output, str(status)).observe(seconds)
