"""The read cache: results of the expensive explore queries (KPIs and score distribution, band migration,
cohorts, health by cohort age, first-activity retention) kept in Redis, so a page or API call that asks what
was asked before since the data last changed is answered without touching PostgreSQL.

Invalidation rule (docs/caching.md): every cached entry's key holds the data version, one counter in Redis
(`<namespace>readcache:data-version`). Every write that can change what those queries show bumps it through
`bump_data_version`, after its transaction commits: score recompute, CSV import, event roll-ups, overrides,
owner changes, FX rates, scorecard changes, behaviour segments, billing webhooks, demo seed and load,
privacy erasure, restore. After a bump no reader builds an old key again; old entries are never read and
expire by the TTL (`HEALTHDASH_READ_CACHE_SECONDS`, also the upper bound on staleness should a write path
ever miss its bump).

Keys also hold the canonical filters (`to_query`), the day, the reporting currency and FX lookback, the viewer
when the filters say "me", and the query's own arguments. Values are compressed JSON (`codec`), never pickle.
Redis being away makes the queries run directly: logged once, never an error page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dashapp.cache import codec
from dashapp.cache.reads import EXTENSION_KEY, active_cache, cached_read
from dashapp.cache.store import ReadCache
from dashapp.cache.version import bump_after_commit, bump_data_version, read_version
from dashapp.settings import Settings

if TYPE_CHECKING:
    from flask import Flask

__all__ = [
    "ReadCache",
    "active_cache",
    "bump_after_commit",
    "bump_data_version",
    "cached_read",
    "codec",
    "data_changed",
    "init_read_cache",
    "read_version",
]


def init_read_cache(app: Flask, settings: Settings) -> ReadCache:
    cache = ReadCache.from_url(
        settings.redis_url or "",
        settings.redis_namespace,
        settings.read_cache_seconds,
        settings.read_cache_max_bytes,
    )
    from dashapp.ops.metrics import READ_CACHE_LOOKUPS

    cache.observe = lambda name, outcome: READ_CACHE_LOOKUPS.labels(name, outcome).inc()
    app.extensions[EXTENSION_KEY] = cache
    return cache


def data_changed(reason: str) -> int | None:
    """`bump_data_version` for code running in the web app (after its commit)."""
    from dashapp.extensions import runtime

    rt = runtime()
    return bump_data_version(rt.settings, reason, rt.redis)
