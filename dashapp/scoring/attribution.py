"""Which measure moved a score, and by how much: a split of the score's change over its measures.

A measure's contribution is its effective weight times its normalised value. When a measure goes missing (or
comes back) its weight moves onto the other measures, so their contributions change although their values did
not. Citing those as reasons reads "a 52-point drop: NPS 9 (was 9)". The split here gives each measure present
on both days the effect of its own value change (at its mean weight), and hands the effect of the moved weight
to the measures whose presence changed. The effects add up exactly to the change of the score.
"""

from __future__ import annotations

import numpy as np

from dashapp.scoring import metrics
from dashapp.scoring.compute import MeasureInfo, ScoreFrame

CONTRIBUTION_EPS = 0.05  # contributions are stored to tenths: less than half a tenth is no change


def weights_for(frame: ScoreFrame, present: np.ndarray) -> np.ndarray:
    """Effective weights of the frame's accounts had `present` been their measures with data (the same
    redistribution as `compute.effective_weights`: within the group first, then across groups)."""
    nominal = np.where(frame.applicable, frame.weight, 0.0)
    groups = np.array([frame.info[key].group for key in frame.keys], dtype=object)
    out = np.zeros_like(nominal)
    share = {}
    for group in dict.fromkeys(groups.tolist()):
        cols = np.flatnonzero(groups == group)
        total = nominal[:, cols].sum(axis=1)
        have = (nominal[:, cols] * present[:, cols]).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, cols] = np.where(
                have[:, None] > 0, nominal[:, cols] * present[:, cols] / have[:, None], 0.0
            )
        share[group] = (cols, np.where(have > 0, total, 0.0))
    grand = sum(s for _c, s in share.values())
    for cols, s in share.values():
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, cols] *= np.where(grand > 0, s / grand, 0.0)[:, None]
    return out


def effects(
    frame: ScoreFrame, earlier_raw: np.ndarray, earlier_contribution: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(effect of each measure on the score change in points, contribution change), accounts x keys.

    Each row's effects add up to the row's contribution change (its score change)."""
    after = np.where(frame.applicable, np.nan_to_num(frame.contribution), 0.0)
    before = np.where(frame.applicable, np.nan_to_num(earlier_contribution), 0.0)
    change = after - before
    now = frame.applicable & ~frame.missing
    then = frame.applicable & (~np.isnan(earlier_raw) | (before != 0))
    w1 = weights_for(frame, now)
    w0 = weights_for(frame, then)
    n1 = np.nan_to_num(frame.normalised)
    with np.errstate(invalid="ignore", divide="ignore"):
        n0 = np.where(w0 > 0, before / w0, 0.0)
    both = now & then
    flipped = now ^ then
    reweight = np.where(both, (n0 + n1) / 2.0 * (w1 - w0), 0.0)
    nominal = np.where(flipped, frame.weight, 0.0)
    total = nominal.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, nominal / total, 0.0)
    moved = flipped.any(axis=1, keepdims=True)
    effect = np.where(moved, change - reweight + reweight.sum(axis=1, keepdims=True) * share, change)
    return effect, change


def _round_level(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x) >= 100, np.round(x), np.round(x, 1))


def visibly_changed(info: MeasureInfo, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Whether the words for a measure's change would show a change ("NPS 9 (was 9)" does not)."""
    before = np.asarray(before, dtype=float)
    after = np.asarray(after, dtype=float)
    gone, new = np.isnan(after), np.isnan(before)
    metric = metrics.lookup(info.metric)
    with np.errstate(invalid="ignore", divide="ignore"):
        if info.trend:
            shown = np.round(after) != np.round(before)
        elif metric.kind == "rate":
            pct = (after - before) / np.abs(before) * 100.0
            shown = np.where(before == 0, after > 0, np.round(pct) != 0)
        elif metric.kind == "count":
            shown = np.round(after - before) != 0
        else:
            shown = _round_level(after) != _round_level(before)
    return np.where(gone | new, gone != new, shown)
