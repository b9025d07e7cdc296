"""Time the stages of a recompute (for the benchmark and for logs); a no-op unless asked for."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class Stopwatch:
    def __init__(self) -> None:
        self._totals: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self._totals[stage] += time.perf_counter() - start

    def totals(self) -> dict[str, float]:
        return dict(self._totals)


class _Off:
    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        yield


OFF = _Off()
