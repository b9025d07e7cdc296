"""Index helpers for ragged data held flat: runs of rows per account, items per row."""

from __future__ import annotations

import numpy as np


def offsets(counts: np.ndarray) -> np.ndarray:
    """Where each group starts when groups of `counts` items are laid end to end."""
    starts = np.zeros(len(counts), dtype=np.int64)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=starts[1:])
    return starts


def within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., count - 1 for each group, laid end to end."""
    return np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(offsets(counts), counts)


def sequence(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal values of a sorted array."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    return within(np.diff(np.r_[starts, n]))
