"""Rate limits on the API: one budget per token (or user), one per client IP, in fixed windows on Redis.

Both budgets are counted in ONE Redis round trip per request: a MULTI pipeline that increments each
budget's counter, starts its window on the first request (`SET ... NX EX`), reads what is left of the
window, and reads the token cache's change counter too (`dashapp.api.token_cache`). The limits are
written as `limits` parses them (`600/minute`, `10 per second`); a window starts at a budget's first
request, as flask-limiter's fixed-window strategy does.

Headers follow the IETF RateLimit fields: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`
(seconds) and `RateLimit-Policy`; a refused request gets 429 with `Retry-After`. If Redis is down the API
keeps answering, unlimited, and says so in the log.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import cache

import redis
from flask import Response, g, request
from limits import RateLimitItem, parse

from dashapp.api.auth import rate_limit_key
from dashapp.api.http import ApiError
from dashapp.auth_changes import epoch_key
from dashapp.extensions import runtime

log = logging.getLogger(__name__)
CALLER_SCOPE = "api-caller"
IP_SCOPE = "api-ip"
_LOG_EVERY_SECONDS = 60.0
_last_logged = 0.0


@dataclass(frozen=True)
class Budget:
    scope: str
    limit: RateLimitItem
    used: int  # requests counted in this window, this one included
    reset: int  # seconds until the window ends

    @property
    def breached(self) -> bool:
        return self.used > self.limit.amount

    @property
    def window(self) -> int:
        return self.limit.get_expiry()


@cache
def _parsed(text: str) -> RateLimitItem:
    return parse(text)


def _log_down(exc: Exception) -> None:
    global _last_logged
    if time.monotonic() - _last_logged >= _LOG_EVERY_SECONDS:
        _last_logged = time.monotonic()
        log.warning("rate limits are off: Redis cannot be reached (%s)", exc)


def count() -> None:
    """Spend one request of each budget (and read the change counter), or refuse with 429."""
    rt = runtime()
    settings = rt.settings
    budgets = [
        (CALLER_SCOPE, _parsed(settings.api_rate_limit), rate_limit_key()),
        (IP_SCOPE, _parsed(settings.api_ip_rate_limit), "ip:" + (request.remote_addr or "unknown")),
    ]
    prefix = f"{settings.redis_namespace}api-limits:"
    try:
        pipe = rt.redis.pipeline(transaction=True)
        for scope, limit, who in budgets:
            key = f"{prefix}{scope}:{limit.amount}/{limit.get_expiry()}:{who}"
            # SET NX EX starts the window once (works on Redis 6 too, unlike EXPIRE NX)
            pipe.set(key, 0, ex=limit.get_expiry(), nx=True)
            pipe.incr(key)
            pipe.ttl(key)
        pipe.get(epoch_key(settings))
        results = pipe.execute()
    except redis.RedisError as exc:
        _log_down(exc)
        g.api_epoch = None  # nothing read: the token cache is not trusted either
        return
    g.api_epoch = results[-1] or b"0"
    g.api_budgets = [
        Budget(
            scope, limit, int(results[3 * i + 1]), min(limit.get_expiry(), max(0, int(results[3 * i + 2])))
        )
        for i, (scope, limit, _) in enumerate(budgets)
    ]
    if any(b.breached for b in g.api_budgets):
        raise ApiError(429, "Too many requests; wait before trying again (see Retry-After).")


def rate_headers(response: Response) -> Response:
    budgets: list[Budget] = g.get("api_budgets") or []
    if not budgets:
        return response
    # Announce the budget that ran out, else the caller's own (the per-IP one is a backstop).
    budget = next((b for b in budgets if b.breached), None) or budgets[0]
    response.headers["RateLimit-Limit"] = str(budget.limit.amount)
    response.headers["RateLimit-Remaining"] = str(max(0, budget.limit.amount - budget.used))
    response.headers["RateLimit-Reset"] = str(budget.reset)
    response.headers["RateLimit-Policy"] = f"{budget.limit.amount};w={budget.window}"
    if budget.breached or response.status_code == 429:
        response.headers["Retry-After"] = str(max(1, budget.reset))
    return response
