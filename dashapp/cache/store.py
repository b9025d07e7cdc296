"""`ReadCache`: get a query result from Redis, or compute it and keep it, keyed by what it depends on.

A key is `<namespace>readcache:<query name>:v<data version>:<digest of the parts>`, where the parts are
everything the result depends on besides the data (the canonical filters, the day, the reporting currency,
the viewer when the filters say "me", the query's own arguments). Redis being away never fails a request:
the outage is logged once, the cache stands aside (trying Redis again every `RETRY_SECONDS`), and the
query runs directly.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import orjson
import redis

from dashapp.cache import codec
from dashapp.cache.version import read_version

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_SECONDS = 30.0  # after a Redis error, compute directly for this long before trying Redis again


@dataclass
class Stats:
    hits: int = 0
    misses: int = 0
    skipped: int = 0  # computed directly: Redis away or the cache off

    def count(self, name: str, outcome: str, observe: Callable[[str, str], None] | None) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        if observe is not None:
            observe(name, outcome)


@dataclass
class ReadCache:
    conn: redis.Redis
    namespace: str
    ttl_seconds: int
    max_bytes: int
    stats: Stats = field(default_factory=Stats)
    # Told (query name, "hits" | "misses" | "skipped") for each lookup: the app counts them for Prometheus.
    observe: Callable[[str, str], None] | None = None
    _down_until: float = 0.0
    _down: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_url(cls, url: str, namespace: str, ttl_seconds: int, max_bytes: int) -> ReadCache:
        # Short timeouts: a Redis that hangs must cost a request a fraction of a second, not a minute.
        conn = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1.0)
        return cls(conn, namespace, ttl_seconds, max_bytes)

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0

    def key(self, name: str, version: int, parts: dict[str, Any]) -> str:
        digest = hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).hexdigest()[:40]
        return f"{self.namespace}readcache:{name}:v{version}:{digest}"

    def get_or_compute(self, name: str, parts: dict[str, Any], compute: Callable[[], T]) -> T:
        """The cached result for (`name`, `parts`, current data version), else `compute()` (kept if it fits)."""
        if not self.enabled or time.monotonic() < self._down_until:
            self.stats.count(name, "skipped", self.observe)
            return compute()
        try:
            key = self.key(name, read_version(self.conn, self.namespace), parts)
            blob = self.conn.get(key)
        except (redis.RedisError, OSError) as exc:
            self._went_down(exc)
            self.stats.count(name, "skipped", self.observe)
            return compute()
        if self._down:
            self._down = False
            log.warning("read cache: Redis is back; caching again")
        if blob is not None:
            try:
                value = codec.decode(cast(bytes, blob))  # a client without decode_responses
            except Exception:  # an entry written by another version of the code: recompute and replace
                log.warning("read cache: unreadable entry %s, recomputing", key, exc_info=True)
            else:
                self.stats.count(name, "hits", self.observe)
                return value
        value = compute()
        self.stats.count(name, "misses", self.observe)
        self._store(key, value)
        return value

    def _store(self, key: str, value: Any) -> None:
        try:
            blob = codec.encode(value)
        except TypeError as exc:
            log.warning("read cache: %s not cached (%s)", key, exc)
            return
        if len(blob) > self.max_bytes:
            log.debug("read cache: %s not cached (%d bytes > %d)", key, len(blob), self.max_bytes)
            return
        try:
            self.conn.set(key, blob, ex=self.ttl_seconds)
        except (redis.RedisError, OSError) as exc:
            self._went_down(exc)

    def _went_down(self, exc: BaseException) -> None:
        with self._lock:
            if not self._down:
                log.warning(
                    "read cache: Redis unavailable (%s); running queries directly until it is back", exc
                )
            self._down = True
            self._down_until = time.monotonic() + RETRY_SECONDS
