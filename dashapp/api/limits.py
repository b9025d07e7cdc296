"""Rate limits on the API (flask-limiter on Redis): one budget per token (or user), one per client IP.

Headers follow the IETF RateLimit fields: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`
(seconds) and `RateLimit-Policy`; a refused request gets 429 with `Retry-After`. If Redis is down the API
keeps answering, unlimited, and says so in the log.
"""

from __future__ import annotations

import math
import time

from flask import Blueprint, Flask, Response, current_app
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address

from dashapp.api.auth import rate_limit_key
from dashapp.extensions import settings
from dashapp.settings import Settings

EXTENSION_KEY = "healthdash_limiter"
CALLER_SCOPE = "api-caller"


def _storage_uri(redis_url: str) -> str:
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://") :]
    return redis_url


def init_limiter(app: Flask, app_settings: Settings, *blueprints: Blueprint) -> Limiter:
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=_storage_uri(app_settings.redis_url or ""),
        storage_options={"key_prefix": f"{app_settings.redis_namespace}api-limits"},
        strategy="fixed-window",
        headers_enabled=False,  # written by `rate_headers` in the IETF form instead
        swallow_errors=True,
        default_limits=[],
    )
    for bp in blueprints:
        # Shared: one budget across every route of the API, not one per route.
        limiter.shared_limit(lambda: settings().api_rate_limit, scope=CALLER_SCOPE, key_func=rate_limit_key)(
            bp
        )
        limiter.shared_limit(
            lambda: settings().api_ip_rate_limit, scope="api-ip", key_func=get_remote_address
        )(bp)
    app.extensions[EXTENSION_KEY] = limiter
    return limiter


def _seconds_left(limit: RequestLimit) -> int:
    # limits rounds the reset time up to the next whole second; never announce more than one window.
    return min(limit.limit.get_expiry(), max(0, math.ceil(limit.reset_at - time.time())))


def rate_headers(response: Response) -> Response:
    limiter: Limiter | None = current_app.extensions.get(EXTENSION_KEY)
    limits = limiter.current_limits if limiter is not None else []
    if not limits:
        return response
    # Announce the budget that ran out, else the caller's own. (Reading a budget costs Redis round trips, so
    # only one is read: a token's budget is what its owner can act on; the per-IP one is a backstop.)
    limit = next((lim for lim in limits if lim.breached), None) or next(
        (lim for lim in limits if CALLER_SCOPE in lim.request_args), limits[0]
    )
    window = limit.limit.get_expiry()
    response.headers["RateLimit-Limit"] = str(limit.limit.amount)
    response.headers["RateLimit-Remaining"] = str(max(0, limit.remaining))
    response.headers["RateLimit-Reset"] = str(_seconds_left(limit))
    response.headers["RateLimit-Policy"] = f"{limit.limit.amount};w={window}"
    if limit.breached or response.status_code == 429:
        response.headers["Retry-After"] = str(max(1, _seconds_left(limit)))
    return response
