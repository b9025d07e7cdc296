"""Parent accounts score from their children, by the roll-up rule of the parent's scorecard.

- `mean`: the children's average; `arr_weighted`: weighted by ARR (equal weights if no child has ARR);
  `worst`: the lowest-scoring child.

The parent's measures are rolled up the same way (weighted means of the children's contributions, raw and
normalised values; the worst child's measures), so the parent's contributions still add up to its score.
Deeper levels roll up first, so a grandparent sees its children's rolled-up scores. A parent with no
scored child keeps the score of its own data.
"""

from __future__ import annotations

import numpy as np

from dashapp.scoring.compute import ScoreFrame

RULES = ("mean", "arr_weighted", "worst")
_MAX_DEPTH = 32


def depths(parent_pos: np.ndarray) -> np.ndarray:
    """Number of ancestors of each row, given each row's parent position (-1 for none); cycles stop at
    `_MAX_DEPTH`."""
    depth = np.zeros(len(parent_pos), dtype=np.int64)
    current = parent_pos.copy()
    for _ in range(_MAX_DEPTH):
        has = current >= 0
        if not has.any():
            break
        depth[has] += 1
        current = np.where(has, parent_pos[np.maximum(current, 0)], -1)
    return depth


def roll_up(
    frame: ScoreFrame,
    parent_ids: np.ndarray,
    arr: np.ndarray,
    rules: np.ndarray,
) -> ScoreFrame:
    """Replace each parent's scores by the roll-up of its scored children. Arrays align with `frame`.

    `parent_ids` holds each account's parent id (NaN/-1 for none), `rules` each account's roll-up rule.
    """
    n = len(frame)
    if n == 0:
        return frame
    position = {int(a): i for i, a in enumerate(frame.account_ids)}
    parent_pos = np.array([position.get(int(p), -1) if _known(p) else -1 for p in parent_ids], dtype=np.int64)
    if not (parent_pos >= 0).any():
        return frame
    depth = depths(parent_pos)
    # Deepest parents first: their children are at depth + 1 and already final.
    for level in sorted(set(depth[parent_pos >= 0].tolist()), reverse=True):
        children = np.flatnonzero((depth == level) & (parent_pos >= 0) & ~np.isnan(frame.score))
        if len(children) == 0:
            continue
        parents = parent_pos[children]
        for rule in RULES:
            mine = rules[parents] == rule
            if mine.any():
                _apply(frame, children[mine], parents[mine], arr, rule)
    return frame


def _apply(frame: ScoreFrame, children: np.ndarray, parents: np.ndarray, arr: np.ndarray, rule: str) -> None:
    targets = np.unique(parents)
    if rule == "worst":
        order = np.lexsort((frame.score[children], parents))
        first = np.ones(len(order), dtype=bool)
        first[1:] = parents[order][1:] != parents[order][:-1]
        chosen, into = children[order][first], parents[order][first]
        for name in (
            "applicable",
            "raw",
            "normalised",
            "missing",
            "weight",
            "effective_weight",
            "contribution",
        ):
            matrix = getattr(frame, name)
            matrix[into] = matrix[chosen]
        frame.score[into] = frame.score[chosen]
    else:
        weights = np.ones(len(children)) if rule == "mean" else np.nan_to_num(arr[children].astype(float))
        if rule == "arr_weighted":
            # A parent whose children have no ARR at all falls back to equal weights.
            totals = np.zeros(len(frame))
            np.add.at(totals, parents, weights)
            weights = np.where(totals[parents] > 0, weights, 1.0)
        w_total = np.zeros(len(frame))
        np.add.at(w_total, parents, weights)
        for name in ("weight", "effective_weight", "contribution"):
            matrix = getattr(frame, name)
            acc = np.zeros((len(frame), matrix.shape[1]))
            np.add.at(acc, parents, matrix[children] * weights[:, None])
            matrix[targets] = acc[targets] / w_total[targets, None]
        for name in ("raw", "normalised"):
            matrix = getattr(frame, name)
            values = matrix[children]
            have = ~np.isnan(values)
            acc = np.zeros((len(frame), matrix.shape[1]))
            cnt = np.zeros((len(frame), matrix.shape[1]))
            np.add.at(acc, parents, np.where(have, values, 0.0) * weights[:, None])
            np.add.at(cnt, parents, have * weights[:, None])
            with np.errstate(invalid="ignore", divide="ignore"):
                matrix[targets] = np.where(cnt[targets] > 0, acc[targets] / cnt[targets], np.nan)
        applicable = np.zeros((len(frame), frame.applicable.shape[1]), dtype=np.int64)
        present = np.zeros_like(applicable)
        np.add.at(applicable, parents, frame.applicable[children].astype(np.int64))
        np.add.at(present, parents, (frame.applicable[children] & ~frame.missing[children]).astype(np.int64))
        frame.applicable[targets] = applicable[targets] > 0
        frame.missing[targets] = (applicable[targets] > 0) & (present[targets] == 0)
        score_acc = np.zeros(len(frame))
        np.add.at(score_acc, parents, frame.score[children] * weights)
        frame.score[targets] = score_acc[targets] / w_total[targets]
    counts = np.bincount(parents, minlength=len(frame))
    for target in targets.tolist():
        frame.rollups[int(frame.account_ids[target])] = {"rule": rule, "children": int(counts[target])}


def _known(value: object) -> bool:
    return value is not None and value == value  # not None, not NaN
