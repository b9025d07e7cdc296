"""Redis unreachable: answer 503 with Retry-After (the client may try again soon), never a 500.

Login (its throttle), exports and the API's rate limits and token cache need Redis. JSON paths get the API's
problem-details body; pages get a short plain message. The exception's own text is only logged.
"""

from __future__ import annotations

import logging

import redis
from flask import Flask, Response, request

from dashapp.errors import problem

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
MESSAGE = "healthdash is briefly unable to reach its queue and cache service. Please try again in a minute."


def unavailable_response() -> Response:
    json_wanted = request.path.startswith(("/api/", "/v1/", "/_dash-")) or request.is_json
    if json_wanted:
        response = problem(503, MESSAGE, title="Service Unavailable")
    else:
        response = Response(MESSAGE, status=503, mimetype="text/plain")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def install_outage_handler(server: Flask) -> None:
    @server.errorhandler(redis.RedisError)
    def redis_unavailable(exc: redis.RedisError) -> Response:
        log.error("Redis unavailable during %s %s: %s", request.method, request.path, type(exc).__name__)
        return unavailable_response()
