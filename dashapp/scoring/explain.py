"""Why a score moved: the measures whose contributions changed most since an earlier snapshot, as data and
as one plain sentence ("Down 14 since last month: active users -38%, 3 new urgent tickets").

Movement is of the computed score (an override does not explain anything about the data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from dashapp.scoring import metrics
from dashapp.scoring.compute import MeasureInfo, ScoreFrame

TOP_MOVERS = 3
MIN_MOVE = 0.1  # contribution points; smaller changes are noise, not reasons
STEADY = 0.5  # a score that moved less than this is "steady"


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


def _fmt(value: float) -> str:
    if value != value:
        return "n/a"
    if abs(value - round(value)) < 0.05 or abs(value) >= 100:
        return f"{round(value):,}"
    return f"{value:,.1f}"


def phrase(info: MeasureInfo, before: float, after: float) -> str:
    """How a measure's raw value changed, in a few words."""
    metric = metrics.lookup(info.metric)
    noun = metric.noun
    if after != after:
        return f"no {noun} data"
    if info.trend:
        return f"{noun} {after:+.0f}%"
    if before != before:
        return f"{noun} {_fmt(after)}{metric.unit}"
    if metric.kind == "rate":
        if before == 0:
            return f"{noun} up from 0" if after > 0 else f"{noun} still 0"
        return f"{noun} {(after - before) / abs(before) * 100:+.0f}%"
    if metric.kind == "count":
        diff = round(after - before)
        if diff > 0:
            return f"{diff} new {noun}" if info.metric != "open_tickets" else f"{diff} more {noun}"
        if diff < 0:
            return f"{-diff} fewer {noun}"
    return f"{noun} {_fmt(after)}{metric.unit} (was {_fmt(before)}{metric.unit})"


def _movers(
    frame: ScoreFrame, earlier: Earlier, row: int, order: np.ndarray, delta: np.ndarray
) -> list[dict]:
    out: list[dict[str, Any]] = []
    for col in order[row]:
        d = delta[row, col]
        if not frame.applicable[row, col] or abs(d) < MIN_MOVE or len(out) == TOP_MOVERS:
            break
        key = frame.keys[col]
        info = frame.info[key]
        before, after = float(earlier.raw[row, col]), float(frame.raw[row, col])
        out.append(
            {
                "key": key,
                "label": info.label,
                "group": info.group,
                "metric": info.metric,
                "delta": round(float(d), 1),
                "before": None if before != before else round(before, 4),
                "after": None if after != after else round(after, 4),
                "phrase": phrase(info, before, after),
            }
        )
    return out


def _ranked(frame: ScoreFrame, earlier: Earlier) -> tuple[np.ndarray, np.ndarray]:
    delta = np.nan_to_num(frame.contribution) - np.nan_to_num(earlier.contribution)
    delta = np.where(frame.applicable, delta, 0.0)
    order = np.argsort(-np.abs(delta), axis=1, kind="stable")
    return delta, order


def since_words(day: date, earlier_day: date, month: bool) -> str:
    if month:
        return "since last month"
    if (day - earlier_day).days == 1:
        return "since yesterday"
    return f"since {earlier_day:%b} {earlier_day.day}"


def sentence(score_delta: float, when: str, movers: list[dict]) -> str:
    moved = round(score_delta)
    if abs(score_delta) < STEADY or moved == 0:
        head = f"Steady {when}"
        reasons = [m["phrase"] for m in movers[:2]]
    else:
        head = f"{'Up' if moved > 0 else 'Down'} {abs(moved)} {when}"
        same_way = [m for m in movers if (m["delta"] > 0) == (moved > 0)] or movers
        reasons = []
        seen: set[str] = set()
        for mover in same_way:  # one phrase per metric: two measures of active users read as one reason
            if mover["metric"] not in seen:
                reasons.append(mover["phrase"])
                seen.add(mover["metric"])
    return f"{head}: {', '.join(reasons)}" if reasons else head


def explain(
    frame: ScoreFrame, day: date, previous: Earlier, month: Earlier
) -> tuple[list[dict[str, Any]], list[str]]:
    """For each account of a finalised frame: the explanation JSON and its sentence."""
    prev_delta, prev_order = _ranked(frame, previous)
    month_delta, month_order = _ranked(frame, month)
    explanations: list[dict[str, Any]] = []
    texts: list[str] = []
    for row in range(len(frame)):
        data: dict[str, Any] = {"previous": [], "month": []}
        text = "First health score for this account."
        prev_day, month_day = previous.days[row], month.days[row]
        if prev_day is not None:
            movers = _movers(frame, previous, row, prev_order, prev_delta)
            change = float(frame.score[row] - previous.score[row])
            data.update(previous=movers, previous_day=prev_day.isoformat(), previous_delta=round(change, 1))
            text = sentence(change, since_words(day, prev_day, month=False), movers) + "."
        if month_day is not None:
            movers = _movers(frame, month, row, month_order, month_delta)
            change = float(frame.score[row] - month.score[row])
            data.update(month=movers, month_day=month_day.isoformat(), month_delta=round(change, 1))
            text = sentence(change, since_words(day, month_day, month=True), movers) + "."
        rollup = frame.rollups.get(int(frame.account_ids[row]))
        if rollup is not None:
            data["rollup"] = rollup
        explanations.append(data)
        texts.append(text)
    return explanations, texts
