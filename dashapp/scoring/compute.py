"""Score accounts with a scorecard: raw values -> normalised -> weights (redistributed for missing data)
-> contributions -> score -> band. Everything is an (accounts x measures) numpy matrix.

Weight redistribution: a measure's nominal weight is its group's share times its share within the group.
When a measure has no data its weight goes to the measures of the same group that have data, in proportion
to their weights; when a whole group has no data its weight goes to the other groups. So the effective
weights of an account always add up to 1 and its score stays on the 0-100 scale.

Rounding: scores are kept to one decimal. Contributions are rounded to tenths with the largest-remainder
method, so the rounded contributions of every account add up exactly (in tenths) to its rounded score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashapp.scoring.definition import Measure, ScorecardDefinition
from dashapp.scoring.inputs import Inputs, measure_requests
from dashapp.scoring.normalise import normalise, percent_change


@dataclass(frozen=True)
class MeasureInfo:
    """What a snapshot says about a measure beside its numbers (for the JSON and for explanations)."""

    key: str
    label: str
    group: str
    metric: str
    trend: bool


@dataclass
class ScoreFrame:
    """Scores of a set of accounts over a shared list of measure keys (a key not in an account's
    scorecard is not `applicable` to it). `score` and `contribution` are exact until `finalise`."""

    account_ids: np.ndarray
    version_ids: np.ndarray
    keys: list[str]
    info: dict[str, MeasureInfo]
    applicable: np.ndarray
    raw: np.ndarray
    normalised: np.ndarray
    missing: np.ndarray
    weight: np.ndarray
    effective_weight: np.ndarray
    contribution: np.ndarray
    score: np.ndarray
    # Filled by `finalise`.
    band: np.ndarray | None = None
    # account_id -> {"rule": ..., "children": n} for parents whose score rolled up from their children.
    rollups: dict[int, dict[str, object]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.account_ids)

    @property
    def scored(self) -> np.ndarray:
        return ~np.isnan(self.score)

    def take(self, positions: np.ndarray) -> ScoreFrame:
        ids = set(self.account_ids[positions].tolist())
        return ScoreFrame(
            account_ids=self.account_ids[positions],
            version_ids=self.version_ids[positions],
            keys=self.keys,
            info=self.info,
            applicable=self.applicable[positions],
            raw=self.raw[positions],
            normalised=self.normalised[positions],
            missing=self.missing[positions],
            weight=self.weight[positions],
            effective_weight=self.effective_weight[positions],
            contribution=self.contribution[positions],
            score=self.score[positions],
            band=None if self.band is None else self.band[positions],
            rollups={k: v for k, v in self.rollups.items() if k in ids},
        )


def nominal_weights(definition: ScorecardDefinition) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """(measure weight within its group, group weight, group index per measure), each normalised to sum 1."""
    group_total = sum(g.weight for g in definition.groups)
    within, group_w, group_of = [], [], []
    for gi, group in enumerate(definition.groups):
        total = sum(m.weight for m in group.measures)
        for measure in group.measures:
            within.append(measure.weight / total)
            group_w.append(group.weight / group_total)
            group_of.append(gi)
    return np.array(within), np.array(group_w), group_of


def effective_weights(
    present: np.ndarray, within: np.ndarray, group_weight: np.ndarray, group_of: list[int]
) -> np.ndarray:
    """Redistribute the weight of absent measures (see the module docstring). Rows with nothing present
    get all zeros."""
    n, m = present.shape
    group_of_arr = np.asarray(group_of)
    groups = sorted(set(group_of))
    eff = np.zeros((n, m))
    group_share = np.zeros((n, len(groups)))
    for slot, g in enumerate(groups):
        cols = np.flatnonzero(group_of_arr == g)
        w = within[cols] * present[:, cols]
        total = w.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            eff[:, cols] = np.where(total[:, None] > 0, w / total[:, None], 0.0)
        group_share[:, slot] = np.where(total > 0, group_weight[cols[0]], 0.0)
    share_total = group_share.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        group_share = np.where(share_total[:, None] > 0, group_share / share_total[:, None], 0.0)
    for slot, g in enumerate(groups):
        cols = np.flatnonzero(group_of_arr == g)
        eff[:, cols] *= group_share[:, [slot]]
    return eff


def raw_values(measure: Measure, inputs: Inputs) -> np.ndarray:
    current, previous = measure_requests(measure)
    value = inputs.get(current)
    if previous is None:
        return value.astype(float, copy=True)
    return percent_change(value, inputs.get(previous))


def score_accounts(
    definition: ScorecardDefinition,
    version_id: int,
    inputs: Inputs,
    segments: np.ndarray,
) -> ScoreFrame:
    """Score every account of `inputs` with `definition`. Percentile measures rank within this population."""
    pairs = definition.measures
    n, m = len(inputs.account_ids), len(pairs)
    raw = np.full((n, m), np.nan)
    normalised = np.full((n, m), np.nan)
    for j, (_group, measure) in enumerate(pairs):
        raw[:, j] = raw_values(measure, inputs)
        normalised[:, j] = normalise(measure, raw[:, j], segments=segments)
    missing = np.isnan(normalised)
    within, group_w, group_of = nominal_weights(definition)
    eff = effective_weights(~missing, within, group_w, group_of)
    contribution = eff * np.nan_to_num(normalised)
    score = contribution.sum(axis=1)
    score[~(~missing).any(axis=1)] = np.nan  # nothing to score with
    return ScoreFrame(
        account_ids=inputs.account_ids.astype(np.int64),
        version_ids=np.full(n, version_id, dtype=np.int64),
        keys=[measure.key for _g, measure in pairs],
        info={
            measure.key: MeasureInfo(
                key=measure.key,
                label=measure.label,
                group=group.label,
                metric=measure.metric,
                trend=measure.normalisation.type == "trend",
            )
            for group, measure in pairs
        },
        applicable=np.ones((n, m), dtype=bool),
        raw=raw,
        normalised=normalised,
        missing=missing,
        weight=np.tile(within * group_w, (n, 1)),
        effective_weight=eff,
        contribution=contribution,
        score=score,
    )


def combine(frames: list[ScoreFrame]) -> ScoreFrame:
    """One frame over the union of the frames' keys (in first-seen order)."""
    keys: list[str] = []
    info: dict[str, MeasureInfo] = {}
    for frame in frames:
        for key in frame.keys:
            if key not in info:
                keys.append(key)
                info[key] = frame.info[key]
    if len(frames) == 1 and frames[0].keys == keys:
        return frames[0]
    n = sum(len(f) for f in frames)
    k = len(keys)
    out = ScoreFrame(
        account_ids=np.concatenate([f.account_ids for f in frames]) if frames else np.zeros(0, np.int64),
        version_ids=np.concatenate([f.version_ids for f in frames]) if frames else np.zeros(0, np.int64),
        keys=keys,
        info=info,
        applicable=np.zeros((n, k), dtype=bool),
        raw=np.full((n, k), np.nan),
        normalised=np.full((n, k), np.nan),
        missing=np.zeros((n, k), dtype=bool),
        weight=np.zeros((n, k)),
        effective_weight=np.zeros((n, k)),
        contribution=np.zeros((n, k)),
        score=np.concatenate([f.score for f in frames]) if frames else np.zeros(0),
    )
    row = 0
    for frame in frames:
        rows = slice(row, row + len(frame))
        cols = [keys.index(key) for key in frame.keys]
        for name in (
            "applicable",
            "raw",
            "normalised",
            "missing",
            "weight",
            "effective_weight",
            "contribution",
        ):
            getattr(out, name)[rows, cols] = getattr(frame, name)
        out.rollups.update(frame.rollups)
        row += len(frame)
    return out


def round_half_up(values: np.ndarray, decimals: int = 1) -> np.ndarray:
    factor = 10.0**decimals
    return np.floor(np.asarray(values, dtype=float) * factor + 0.5 + 1e-9) / factor


def round_contributions(contribution: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(score rounded to tenths, contributions rounded to tenths that add up to it exactly)."""
    tenths = np.asarray(contribution, dtype=float) * 10.0
    target = np.floor(np.nan_to_num(score) * 10.0 + 0.5 + 1e-9)
    floors = np.floor(tenths + 1e-9)
    deficit = (target - floors.sum(axis=1)).astype(int)
    remainders = np.where(tenths > 0, tenths - floors, -1.0)
    order = np.argsort(-remainders, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(order.shape[1])[None, :].repeat(order.shape[0], 0), axis=1)
    bump = ranks < deficit[:, None]
    rounded = (floors + bump) / 10.0
    return target / 10.0, rounded


def assign_bands(
    score: np.ndarray, version_ids: np.ndarray, bands: dict[int, ScorecardDefinition]
) -> np.ndarray:
    out = np.empty(len(score), dtype=object)
    for version_id, definition in bands.items():
        rows = version_ids == version_id
        if not rows.any():
            continue
        cuts = np.array([b.min_score for b in definition.bands])
        names = np.array(definition.band_names(), dtype=object)
        idx = np.clip(np.searchsorted(cuts, score[rows], side="right") - 1, 0, len(names) - 1)
        out[rows] = names[idx]
    return out


def band_for(score: float, definition: ScorecardDefinition) -> str:
    return str(assign_bands(np.array([score]), np.array([0]), {0: definition})[0])


def finalise(frame: ScoreFrame, definitions: dict[int, ScorecardDefinition]) -> ScoreFrame:
    """A new frame without unscored accounts, with rounded score and contributions, and bands."""
    frame = frame.take(np.flatnonzero(frame.scored))
    score, contribution = round_contributions(frame.contribution, frame.score)
    frame.score = score
    frame.contribution = contribution
    frame.band = assign_bands(score, frame.version_ids, definitions)
    return frame


def to_long(frame: ScoreFrame) -> pd.DataFrame:
    """One row per (account, applicable measure): handy for tests, exports and previews."""
    rows, cols = np.nonzero(frame.applicable)
    return pd.DataFrame(
        {
            "account_id": frame.account_ids[rows],
            "key": np.asarray(frame.keys, dtype=object)[cols],
            "raw": frame.raw[rows, cols],
            "normalised": frame.normalised[rows, cols],
            "weight": frame.weight[rows, cols],
            "effective_weight": frame.effective_weight[rows, cols],
            "contribution": frame.contribution[rows, cols],
            "missing": frame.missing[rows, cols],
        }
    )
