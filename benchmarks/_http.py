"""A small concurrent HTTP load client: threads, each with a keep-alive connection, a fixed request count."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(p) - 1]


def load(
    base_url: str,
    path: str,
    *,
    requests: int,
    concurrency: int,
    headers: dict[str, str] | None = None,
    expect: int = 200,
    timeout: float = 30.0,
) -> LoadResult:
    """Send `requests` GETs of `path` from `concurrency` threads; a response other than `expect` is an error."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    counter = iter(range(requests))
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        mine: list[float] = []
        failures = 0
        while True:
            with lock:
                if next(counter, None) is None:
                    break
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                response.read()
                ok = response.status == expect
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
            mine.append((time.perf_counter() - started) * 1000)
            failures += not ok
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += failures

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return LoadResult(
        requests=requests, errors=errors, seconds=time.perf_counter() - started, latencies_ms=latencies
    )
