"""Why a score moved: the measures whose contributions changed most since an earlier snapshot, as data and
as one plain sentence ("Down 14 since last month: active users -38%, 3 new urgent tickets").

Movement is of the computed score (an override says nothing about the data). Everything is vectorised over
accounts with numpy string operations: 100,000 explanations are built without a Python loop per account.

The explanation JSON of a snapshot:
    {"previous": [mover, ...], "previous_day": "2026-03-30", "previous_delta": -0.4,
     "month": [mover, ...], "month_day": "2026-03-01", "month_delta": -14.0,
     "rollup": {"rule": "arr_weighted", "children": 3}}          (parents only)
where a mover is {"key", "label", "delta" (its effect on the score in points, see `attribution`), "before",
"after" (raw values)}: only measures whose contribution changed, whose value visibly changed and whose effect
points the way the score moved, biggest first. The sentence words the month's movers (else the previous
snapshot's); a steady score names none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from dashapp.scoring import attribution, metrics
from dashapp.scoring.compute import MeasureInfo, ScoreFrame

TOP_MOVERS = 3
MIN_MOVE = 0.1  # contribution points; smaller changes are noise, not reasons
STEADY = 0.5  # a score that moved less than this is "steady"
FIRST = "First health score for this account."

S = np.dtypes.StringDType()


@dataclass
class Earlier:
    """An earlier snapshot per account, aligned with a frame: NaN/None where an account has none."""

    days: list[date | None]
    score: np.ndarray
    contribution: np.ndarray  # (accounts x frame keys), NaN where the key was not scored then
    raw: np.ndarray

    @classmethod
    def empty(cls, n: int, k: int) -> Earlier:
        return cls([None] * n, np.full(n, np.nan), np.full((n, k), np.nan), np.full((n, k), np.nan))


def _s(text: str) -> np.ndarray:
    return np.array(text, dtype=S)


def _cat(*parts: np.ndarray | str) -> np.ndarray:
    out = np.asarray(parts[0], dtype=S)
    for part in parts[1:]:
        out = np.strings.add(out, np.asarray(part, dtype=S))
    return out


def _finite(x: np.ndarray) -> np.ndarray:
    """NaN and infinities as 0 (their rows get other words), so they can be cast to integers."""
    return np.clip(np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0), -1e15, 1e15)


def _int_text(x: np.ndarray) -> np.ndarray:
    return np.round(_finite(x)).astype(np.int64).astype(S)


def _signed(x: np.ndarray) -> np.ndarray:
    whole = np.round(_finite(x)).astype(np.int64)
    return np.where(whole >= 0, _cat("+", whole.astype(S)), whole.astype(S))


def _level(x: np.ndarray) -> np.ndarray:
    """Whole numbers without decimals, others to one decimal."""
    x = _finite(x)
    whole = (np.abs(x - np.round(x)) < 0.05) | (np.abs(x) >= 100)
    return np.where(whole, _int_text(x), np.round(x, 1).astype(S))


def phrases(info: MeasureInfo, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """How a measure's raw value changed, in a few words, for many accounts at once."""
    metric = metrics.lookup(info.metric)
    noun, unit = metric.noun, metric.unit
    before = np.asarray(before, dtype=float)
    after = np.asarray(after, dtype=float)

    def level() -> np.ndarray:
        return _cat(noun, " ", _level(after), unit, " (was ", _level(before), unit, ")")

    if info.trend:
        out = _cat(noun, " ", _signed(after), "%")
    elif metric.kind == "rate":
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = (after - before) / np.abs(before) * 100.0
        out = np.where(
            before == 0,
            np.where(after > 0, _s(f"{noun} up from 0"), _s(f"{noun} still 0")),
            _cat(noun, " ", _signed(pct), "%"),
        )
    elif metric.kind == "count":
        diff = np.round(_finite(after - before)).astype(np.int64)
        more = " more " if info.metric == "open_tickets" else " new "
        one = noun[:-1] if noun.endswith("s") else noun  # "1 new urgent ticket"
        out = np.where(
            diff > 0,
            _cat(diff.astype(S), more, np.where(diff == 1, _s(one), _s(noun))),
            np.where(
                diff < 0,
                _cat((-diff).astype(S), " fewer ", np.where(diff == -1, _s(one), _s(noun))),
                level() if (diff == 0).any() else _s(""),
            ),
        )
    else:
        out = level()
    if not info.trend and np.isnan(before).any():
        out = np.where(np.isnan(before), _cat(noun, " ", _level(after), unit), out)
    if np.isnan(after).any():
        out = np.where(np.isnan(after), _s(f"no recent {noun} data"), out)
    return out


@dataclass
class _Comparison:
    has: np.ndarray  # accounts with an earlier snapshot
    change: np.ndarray  # score now minus then
    movers_json: list[str]  # "[...]" per account
    text: np.ndarray  # the sentence, without its final full stop


_MOVER = '%s,"delta":%.1f,"before":%.6g,"after":%.6g}'


def _movers_json(
    frame: ScoreFrame,
    top: np.ndarray,
    valid: np.ndarray,
    delta: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
) -> list[str]:
    """Each account's movers as a JSON list. `valid` is prefix-closed per row (movers are sorted by size)."""
    rows, slots = np.nonzero(valid)
    heads = [
        json.dumps({"key": key, "label": frame.info[key].label})[:-1].replace("%", "%%") for key in frame.keys
    ]
    flat = [
        _MOVER % (heads[c], d, b, a)
        for c, d, b, a in zip(
            top[rows, slots].tolist(),
            delta[rows, slots].tolist(),
            before[rows, slots].tolist(),
            after[rows, slots].tolist(),
            strict=True,
        )
    ]
    flat = [m.replace("nan", "null") if "nan" in m else m for m in flat]
    counts = valid.sum(axis=1).tolist()
    out, at = [], 0
    for count in counts:
        out.append("[" + ",".join(flat[at : at + count]) + "]")
        at += count
    return out


def _cited(frame: ScoreFrame, earlier: Earlier, has: np.ndarray, moved: np.ndarray) -> tuple:
    """(effect, contribution change, columns cited in order, mask of the cited slots) per account.

    A measure is cited only when its contribution changed, its effect on the score is at least MIN_MOVE
    and points the way the score moved, and its value changed in words; biggest effect first, one measure
    per metric, at most TOP_MOVERS."""
    n, k = len(frame), len(frame.keys)
    effect, change = attribution.effects(frame, earlier.raw, earlier.contribution)
    effect[~has] = 0.0
    candidate = (
        has[:, None]
        & (moved != 0)[:, None]
        & (np.abs(effect) >= MIN_MOVE)
        & (np.abs(change) >= attribution.CONTRIBUTION_EPS)
        & (np.sign(effect) == np.sign(moved)[:, None])
    )
    for col, key in enumerate(frame.keys):
        rows = np.flatnonzero(candidate[:, col])
        if len(rows):
            shown = attribution.visibly_changed(frame.info[key], earlier.raw[rows, col], frame.raw[rows, col])
            candidate[rows, col] = shown
    order = np.argsort(np.where(candidate, -np.abs(effect), np.inf), axis=1, kind="stable")
    metric_ids: dict[str, int] = {}
    metric_of = np.array(
        [metric_ids.setdefault(frame.info[key].metric, len(metric_ids)) for key in frame.keys]
    )
    slots = min(TOP_MOVERS, k)
    top = np.zeros((n, slots), dtype=np.int64)
    valid = np.zeros((n, slots), dtype=bool)
    cited_metric = np.full((n, slots), -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    rows_all = np.arange(n)
    for rank in range(k):
        col = order[:, rank]
        metric = metric_of[col]
        ok = candidate[rows_all, col] & (count < slots) & ~(cited_metric == metric[:, None]).any(axis=1)
        rows = np.flatnonzero(ok)
        top[rows, count[rows]] = col[rows]
        valid[rows, count[rows]] = True
        cited_metric[rows, count[rows]] = metric[rows]
        count[rows] += 1
    return effect, change, top, valid


def _compare(frame: ScoreFrame, earlier: Earlier, when: np.ndarray, worded: np.ndarray) -> _Comparison:
    """Movers against `earlier`; the sentence only for the `worded` accounts (empty for the others)."""
    n = len(frame)
    has = ~np.isnan(earlier.score)
    change = frame.score - earlier.score
    moved = np.round(np.nan_to_num(change)).astype(np.int64)
    moved[np.abs(np.nan_to_num(change)) < STEADY] = 0
    effect, _contribution_change, top, valid = _cited(frame, earlier, has, moved)
    slots = top.shape[1]
    top_effect = np.take_along_axis(effect, top, axis=1)
    before = np.take_along_axis(earlier.raw, top, axis=1)
    after = np.take_along_axis(frame.raw, top, axis=1)
    phrase = np.full((n, slots), "", dtype=S)
    for col, key in enumerate(frame.keys):
        where = (top == col) & valid & worded[:, None]
        if where.any():
            phrase[where] = phrases(frame.info[key], before[where], after[where])
    movers = _movers_json(frame, top, valid, top_effect, before, after)
    return _Comparison(has, change, movers, _sentences(moved, when, phrase, valid))


def _sentences(moved: np.ndarray, when: np.ndarray, phrase: np.ndarray, valid: np.ndarray) -> np.ndarray:
    head = np.where(
        moved == 0,
        _cat("Steady ", when),
        _cat(np.where(moved > 0, _s("Up "), _s("Down ")), np.abs(moved).astype(S), " ", when),
    )
    reasons = np.full(len(moved), "", dtype=S)
    for slot in range(phrase.shape[1]):
        joined = np.where(reasons == "", phrase[:, slot], _cat(reasons, ", ", phrase[:, slot]))
        reasons = np.where(valid[:, slot], joined, reasons)
    return np.where(reasons == "", head, _cat(head, ": ", reasons))


def _since(day: date, days: list[date | None]) -> np.ndarray:
    out = []
    for d in days:
        if d is None or (day - d).days == 1:
            out.append("since yesterday")
        else:
            out.append(f"since {d:%b} {d.day}")
    return np.array(out, dtype=S)


def _day_text(days: list[date | None]) -> np.ndarray:
    return np.array([d.isoformat() if d is not None else "" for d in days], dtype=S)


def explain(frame: ScoreFrame, day: date, previous: Earlier, month: Earlier) -> tuple[list[str], list[str]]:
    """For each account of a finalised frame: its explanation as JSON text, and its sentence."""
    n = len(frame)
    if n == 0:
        return [], []
    has_month = ~np.isnan(month.score)
    prev = _compare(frame, previous, _since(day, previous.days), ~has_month)
    last_month = _compare(frame, month, np.full(n, "since last month", dtype=S), has_month)
    data = []
    for i in range(n):
        text = '{"previous":' + prev.movers_json[i] + ',"month":' + last_month.movers_json[i]
        if prev.has[i]:
            text += f',"previous_day":"{previous.days[i]}","previous_delta":{prev.change[i]:.1f}'
        if last_month.has[i]:
            text += f',"month_day":"{month.days[i]}","month_delta":{last_month.change[i]:.1f}'
        data.append(text + "}")
    if frame.rollups:
        parents = list(frame.rollups)
        for account_id, row in zip(
            parents, pd.Index(frame.account_ids).get_indexer(parents).tolist(), strict=True
        ):
            rollup = json.dumps(frame.rollups[account_id], separators=(",", ":"))
            data[row] = data[row][:-1] + ',"rollup":' + rollup + "}"
    text = np.where(last_month.has, last_month.text, np.where(prev.has, prev.text, _s(FIRST[:-1])))
    return data, _cat(text, ".").tolist()
