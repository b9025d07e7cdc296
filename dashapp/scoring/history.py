"""Earlier snapshots, read set-based: for trend deltas (7/30/90 days) and for why-it-moved explanations.

The common case (yesterday was scored) is one indexed read of one day. Accounts without a snapshot on the
exact day fall back to their latest snapshot within a tolerance before it. Measures come from the compact
arrays stored beside the JSON (`measure_keys`, `measure_contributions`, `measure_raw`), never from parsing
the JSON itself.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from dashapp.scoring.compute import ScoreFrame
from dashapp.scoring.explain import Earlier

DELTA_DAYS = (7, 30, 90)
DELTA_TOLERANCE = 6
PREVIOUS_LOOKBACK = 30
MONTH = 30
MONTH_TOLERANCE = 6

_SCORES = ("account_id", "day", "computed_score")
_ARRAYS = ("scorecard_version_id", "measure_keys", "measure_contributions", "measure_raw")


class History:
    """Reads earlier snapshots of a set of accounts (all of them, or some), each day at most once."""

    def __init__(self, conn: psycopg.Connection, account_ids: np.ndarray, *, every_account: bool) -> None:
        self.conn = conn
        self.account_ids = account_ids
        self.every_account = every_account
        self._cache: dict[tuple[date, int, bool], pd.DataFrame] = {}

    def _query(self, where: str, params: dict[str, Any], arrays: bool, distinct: bool) -> pd.DataFrame:
        columns = _SCORES + (_ARRAYS if arrays else ())
        head = "SELECT DISTINCT ON (account_id) " if distinct else "SELECT "
        tail = " ORDER BY account_id, day DESC" if distinct else ""
        with self.conn.cursor(binary=True) as cur:
            cur.execute(f"{head}{', '.join(columns)} FROM health_snapshots WHERE {where}{tail}", params)
            return pd.DataFrame(cur.fetchall(), columns=list(columns))

    def rows(self, target: date, tolerance: int, *, arrays: bool) -> pd.DataFrame:
        """Each account's snapshot on `target`, else its latest in the `tolerance` days before."""
        key = (target, tolerance, arrays)
        if key in self._cache:
            return self._cache[key]
        if not arrays and (target, tolerance, True) in self._cache:
            return self._cache[(target, tolerance, True)]
        scope, params = "", {"target": target, "low": target - timedelta(days=tolerance)}
        if not self.every_account:
            scope = " AND account_id = ANY(%(ids)s)"
            params["ids"] = self.account_ids.tolist()
        found = [self._query("day = %(target)s" + scope, params, arrays, distinct=False)]
        have = found[0]["account_id"].to_numpy(dtype=np.int64)
        missing = np.setdiff1d(self.account_ids, have)
        if tolerance > 0 and len(missing):
            if self.every_account:
                earlier = self._query("day >= %(low)s AND day < %(target)s", params, arrays, distinct=True)
                earlier = earlier[earlier["account_id"].isin(missing)]
            else:
                params["ids"] = missing.tolist()
                earlier = self._query(
                    "day >= %(low)s AND day < %(target)s AND account_id = ANY(%(ids)s)",
                    params,
                    arrays,
                    distinct=True,
                )
            found.append(earlier)
        result = pd.concat([f for f in found if len(f)] or found[:1], ignore_index=True)
        result["account_id"] = result["account_id"].astype(np.int64)
        self._cache[key] = result
        return result


def deltas(history: History, frame: ScoreFrame, day: date) -> dict[int, np.ndarray]:
    """Computed score now minus the computed score 7/30/90 days ago (NaN where there was none)."""
    out: dict[int, np.ndarray] = {}
    index = pd.Index(frame.account_ids)
    for days in DELTA_DAYS:
        then = history.rows(day - timedelta(days=days), DELTA_TOLERANCE, arrays=days == MONTH)
        values = np.full(len(frame), np.nan)
        pos = index.get_indexer(then["account_id"].to_numpy())
        keep = pos >= 0
        values[pos[keep]] = then["computed_score"].to_numpy(dtype=float)[keep]
        out[days] = np.round(frame.score - values, 1)
    return out


def _version_keys(conn: psycopg.Connection, version_ids: set[int]) -> dict[int, tuple[str, ...]]:
    rows = conn.execute(
        "SELECT id, definition FROM scorecard_versions WHERE id = ANY(%s)", (sorted(version_ids),)
    ).fetchall()
    return {
        vid: tuple(m["key"] for g in definition.get("groups", []) for m in g.get("measures", []))
        for vid, definition in rows
    }


def earlier_snapshot(history: History, frame: ScoreFrame, day: date, offset: int, tolerance: int) -> Earlier:
    """The snapshot `offset` days before `day` (or the latest in `tolerance` days before that), with each
    measure's raw value and contribution aligned to the frame's keys."""
    n, k = len(frame), len(frame.keys)
    result = Earlier.empty(n, k)
    if n == 0:
        return result
    found = history.rows(day - timedelta(days=offset), tolerance, arrays=True)
    index = pd.Index(frame.account_ids)
    pos = index.get_indexer(found["account_id"].to_numpy())
    found = found[pos >= 0]
    pos = pos[pos >= 0]
    if len(found) == 0:
        return result
    result.score[pos] = found["computed_score"].to_numpy(dtype=float)
    for p, d in zip(pos.tolist(), found["day"].tolist(), strict=True):
        result.days[p] = d
    key_pos = {key: i for i, key in enumerate(frame.keys)}
    with_arrays = found[found["measure_contributions"].notna()]
    implicit = with_arrays["measure_keys"].isna()
    version_keys = _version_keys(
        history.conn, set(with_arrays.loc[implicit, "scorecard_version_id"].dropna().astype(int))
    )
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, (version_id, keys, contributions) in enumerate(
        zip(
            with_arrays["scorecard_version_id"].tolist(),
            with_arrays["measure_keys"].tolist(),
            with_arrays["measure_contributions"].tolist(),
            strict=True,
        )
    ):
        order = tuple(keys) if keys is not None else version_keys.get(version_id, ())
        if len(order) == len(contributions):
            groups.setdefault(order, []).append(i)
    account_ids = with_arrays["account_id"].to_numpy(dtype=np.int64)
    raws = with_arrays["measure_raw"].tolist()
    contributions = with_arrays["measure_contributions"].tolist()
    for order, members in groups.items():
        cols = np.array([key_pos.get(key, -1) for key in order], dtype=np.int64)
        rows = index.get_indexer(account_ids[members])
        raw = np.array([raws[m] for m in members], dtype=float)
        contribution = np.array([contributions[m] for m in members], dtype=float)
        keep = cols >= 0
        result.raw[np.ix_(rows, cols[keep])] = raw[:, keep]
        result.contribution[np.ix_(rows, cols[keep])] = contribution[:, keep]
    # A measure the earlier snapshot did not have contributed nothing then.
    have = ~np.isnan(result.score)
    result.contribution[have] = np.nan_to_num(result.contribution[have])
    return result


def previous_and_month(history: History, frame: ScoreFrame, day: date) -> tuple[Earlier, Earlier]:
    previous = earlier_snapshot(history, frame, day, 1, PREVIOUS_LOOKBACK - 1)
    month = earlier_snapshot(history, frame, day, MONTH, MONTH_TOLERANCE)
    return previous, month
