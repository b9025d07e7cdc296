"""Earlier snapshots, read set-based: for trend deltas (7/30/90 days) and for why-it-moved explanations.

The common case (yesterday was scored) is one indexed read of one day. Accounts without a snapshot on the
exact day fall back to their latest snapshot within a tolerance before it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from dashapp.scoring.compute import ScoreFrame
from dashapp.scoring.explain import Earlier
from dashapp.scoring.loader import query_frame

DELTA_DAYS = (7, 30, 90)
DELTA_TOLERANCE = 6
PREVIOUS_LOOKBACK = 30
MONTH = 30
MONTH_TOLERANCE = 6


def earlier_days(
    conn: psycopg.Connection, account_ids: np.ndarray, target: date, tolerance: int, *, every_account: bool
) -> pd.DataFrame:
    """(account_id, day, computed_score) of each account's snapshot on `target`, else its latest one in
    the `tolerance` days before. `every_account` reads the whole day instead of filtering by id."""
    params: dict[str, Any] = {"target": target}
    scope = ""
    if not every_account:
        scope = "AND account_id = ANY(%(ids)s)"
        params["ids"] = account_ids.tolist()
    exact = query_frame(
        conn,
        f"SELECT account_id, day, computed_score FROM health_snapshots WHERE day = %(target)s {scope}",
        params,
    )
    missing = (
        np.setdiff1d(account_ids, exact["account_id"].to_numpy(dtype=np.int64)) if len(exact) else account_ids
    )
    frames = [exact]
    if tolerance > 0 and len(missing):
        frames.append(
            query_frame(
                conn,
                """SELECT DISTINCT ON (account_id) account_id, day, computed_score FROM health_snapshots
                   WHERE account_id = ANY(%(ids)s) AND day >= %(low)s AND day < %(target)s
                   ORDER BY account_id, day DESC""",
                {"ids": missing.tolist(), "low": target - timedelta(days=tolerance), "target": target},
            )
        )
    found = (
        pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else exact
    )
    if found.empty:
        return pd.DataFrame({"account_id": np.zeros(0, np.int64), "day": [], "computed_score": []})
    found["account_id"] = found["account_id"].astype(np.int64)
    return found


def deltas(
    conn: psycopg.Connection, frame: ScoreFrame, day: date, *, every_account: bool
) -> dict[int, np.ndarray]:
    """Computed score now minus the computed score 7/30/90 days ago (NaN where there was none)."""
    out: dict[int, np.ndarray] = {}
    index = pd.Index(frame.account_ids)
    for days in DELTA_DAYS:
        then = earlier_days(
            conn, frame.account_ids, day - timedelta(days=days), DELTA_TOLERANCE, every_account=every_account
        )
        values = np.full(len(frame), np.nan)
        pos = index.get_indexer(then["account_id"].to_numpy())
        keep = pos >= 0
        values[pos[keep]] = then["computed_score"].to_numpy(dtype=float)[keep]
        out[days] = np.round(frame.score - values, 1)
    return out


_MEASURE_ARRAYS = """
    SELECT s.account_id, s.scorecard_version_id, s.measure_keys, s.measure_contributions, s.measure_raw
    FROM health_snapshots s
"""


def _measure_arrays(conn: psycopg.Connection, pairs: pd.DataFrame) -> list[tuple]:
    """Each earlier snapshot's compact measure arrays (see `HealthSnapshot.measure_contributions`)."""
    days = pd.to_datetime(pairs["day"]).dt.date
    common = days.value_counts().index[0]
    rows: list[tuple] = []
    with conn.cursor(binary=True) as cur:
        # Usually every account's earlier snapshot is from the same day: one indexed read of that day.
        exact = pairs.loc[(days == common).to_numpy(), "account_id"].to_numpy(dtype=np.int64)
        cur.execute(
            _MEASURE_ARRAYS + " WHERE s.day = %(day)s AND s.account_id = ANY(%(ids)s)",
            {"day": common, "ids": exact.tolist()},
        )
        rows.extend(cur.fetchall())
        rest = pairs.loc[(days != common).to_numpy()]
        if len(rest):
            cur.execute(
                _MEASURE_ARRAYS
                + """ JOIN unnest(%(ids)s::bigint[], %(days)s::date[]) AS t(account_id, day)
                      ON s.account_id = t.account_id AND s.day = t.day""",
                {"ids": rest["account_id"].tolist(), "days": list(pd.to_datetime(rest["day"]).dt.date)},
            )
            rows.extend(cur.fetchall())
    return rows


def _version_keys(conn: psycopg.Connection, version_ids: set[int]) -> dict[int, tuple[str, ...]]:
    rows = conn.execute(
        "SELECT id, definition FROM scorecard_versions WHERE id = ANY(%s)", (sorted(version_ids),)
    ).fetchall()
    return {
        vid: tuple(m["key"] for g in definition.get("groups", []) for m in g.get("measures", []))
        for vid, definition in rows
    }


def earlier_snapshot(
    conn: psycopg.Connection,
    frame: ScoreFrame,
    day: date,
    offset: int,
    tolerance: int,
    *,
    every_account: bool,
) -> Earlier:
    """The snapshot `offset` days before `day` (or the latest in `tolerance` days before that), with each
    measure's raw value and contribution aligned to the frame's keys."""
    n, k = len(frame), len(frame.keys)
    result = Earlier.empty(n, k)
    if n == 0:
        return result
    pairs = earlier_days(
        conn, frame.account_ids, day - timedelta(days=offset), tolerance, every_account=every_account
    )
    if pairs.empty:
        return result
    index = pd.Index(frame.account_ids)
    pos = index.get_indexer(pairs["account_id"].to_numpy())
    pairs = pairs[pos >= 0]
    pos = pos[pos >= 0]
    result.score[pos] = pairs["computed_score"].to_numpy(dtype=float)
    for p, d in zip(pos.tolist(), pd.to_datetime(pairs["day"]).dt.date.tolist(), strict=True):
        result.days[p] = d
    key_pos = {key: i for i, key in enumerate(frame.keys)}
    arrays = [r for r in _measure_arrays(conn, pairs) if r[3] is not None]
    version_keys = _version_keys(conn, {r[1] for r in arrays if r[2] is None and r[1] is not None})
    groups: dict[tuple[str, ...], list[tuple[int, list, list]]] = {}
    for account_id, version_id, keys, contributions, raws in arrays:
        order = tuple(keys) if keys is not None else version_keys.get(version_id, ())
        if len(order) == len(contributions):
            groups.setdefault(order, []).append((account_id, raws, contributions))
    for order, members in groups.items():
        cols = np.array([key_pos.get(key, -1) for key in order], dtype=np.int64)
        rows = index.get_indexer(np.array([m[0] for m in members], dtype=np.int64))
        raw = np.array([m[1] for m in members], dtype=float)
        contribution = np.array([m[2] for m in members], dtype=float)
        keep = cols >= 0
        result.raw[np.ix_(rows, cols[keep])] = raw[:, keep]
        result.contribution[np.ix_(rows, cols[keep])] = contribution[:, keep]
    # A measure the earlier snapshot did not have contributed nothing then.
    have = ~np.isnan(result.score)
    result.contribution[have] = np.nan_to_num(result.contribution[have])
    return result


def previous_and_month(
    conn: psycopg.Connection, frame: ScoreFrame, day: date, *, every_account: bool
) -> tuple[Earlier, Earlier]:
    previous = earlier_snapshot(conn, frame, day, 1, PREVIOUS_LOOKBACK - 1, every_account=every_account)
    month = earlier_snapshot(conn, frame, day, MONTH, MONTH_TOLERANCE, every_account=every_account)
    return previous, month
