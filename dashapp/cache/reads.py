"""`@cached_read(name)`: run a query function `f(session, filters, ..., today=None)` through the app's cache.

The decorated function keeps its signature and its meaning. Inside the web app (an app context with a
`ReadCache`) the result comes from Redis when the same question was answered since the last data change;
elsewhere (jobs, the CLI, benchmarks, tests without an app) the query simply runs.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from datetime import date
from typing import Any, Generic, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from dashapp.cache.store import ReadCache
from dashapp.filters import Filters, to_query
from dashapp.filters.sql import VIEWER

P = ParamSpec("P")
T = TypeVar("T")
EXTENSION_KEY = "healthdash.read_cache"


def active_cache() -> ReadCache | None:
    """The read cache of the Flask app handling this request or job, if there is one."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return None
    return current_app.extensions.get(EXTENSION_KEY)


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Filters):
        return to_query(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _code_digest(fn: Callable[..., Any]) -> str:
    """A digest of the module defining `fn`: a deploy that changes a query never reads the old one's entries."""
    try:
        source = inspect.getsource(inspect.getmodule(fn))  # type: ignore[arg-type]
    except (OSError, TypeError):
        return "unknown"
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def key_parts(
    session: Session, filters: Filters, today: date | None, others: dict[str, Any], code: str = ""
) -> dict[str, Any]:
    """Everything a filtered result depends on besides the data itself."""
    says_me = "me" in filters.owner or filters.team == "me"
    return {
        "code": code,
        "filters": to_query(filters),
        "day": (today or date.today()).isoformat(),
        "currency": session.info.get("reporting_currency"),
        "fx_lookback_days": session.info.get("fx_lookback_days"),
        # "me" is the viewer: only then do two users asking the same question get different answers.
        "viewer": VIEWER.get() if says_me else None,
        "args": {k: _plain(v) for k, v in sorted(others.items())},
    }


class CachedRead(Generic[P, T]):
    """A query function run through the app's read cache; `uncached` is the function itself."""

    def __init__(self, name: str, fn: Callable[P, T]) -> None:
        self.name = name
        self.uncached = fn
        self._signature = inspect.signature(fn)
        self._code = _code_digest(fn)
        functools.update_wrapper(self, fn)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T:
        cache = active_cache()
        if cache is None:
            return self.uncached(*args, **kwargs)
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        session, filters = values.pop("session"), values.pop("filters")
        parts = key_parts(session, filters, values.pop("today", None), values, self._code)
        return cache.get_or_compute(self.name, parts, lambda: self.uncached(*args, **kwargs))


def cached_read(name: str) -> Callable[[Callable[P, T]], CachedRead[P, T]]:
    """Decorate a query function `f(session, filters, ..., today=None)` so it runs through the read cache."""

    def decorate(fn: Callable[P, T]) -> CachedRead[P, T]:
        return CachedRead(name, fn)

    return decorate
