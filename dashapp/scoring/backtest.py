"""Does the score predict churn? For past as-of dates: ROC AUC of the score against "churned within the
horizon", and the churn rate of each band. A lower score should mean more churn, so the AUC ranks
`-score`; 0.5 is a coin toss, 1.0 a perfect ranking.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import psycopg
from sklearn.metrics import roc_auc_score

LABELS = ("churned", "inactive")


def activity_around(conn: psycopg.Connection, as_of: date, horizon_days: int) -> tuple[set[int], set[int]]:
    """(accounts with activity in the year up to `as_of`, accounts with activity in the horizon after it).
    Activity: a usage day with events, or an invoice."""
    query = """
        SELECT account_id FROM account_daily_metrics WHERE day > %(lo)s AND day <= %(hi)s AND events > 0
        UNION
        SELECT account_id FROM invoices WHERE issued_at >= %(lo_ts)s AND issued_at < %(hi_ts)s
    """

    def accounts(lo: date, hi: date) -> set[int]:
        params = {"lo": lo, "hi": hi, "lo_ts": lo + timedelta(days=1), "hi_ts": hi + timedelta(days=1)}
        return {r[0] for r in conn.execute(query, params).fetchall()}

    return accounts(as_of - timedelta(days=365), as_of), accounts(as_of, as_of + timedelta(days=horizon_days))


def evaluate(
    as_of: date, scores: np.ndarray, bands: np.ndarray, churned: np.ndarray, band_names: list[str]
) -> dict[str, Any]:
    """One as-of date's result. The AUC is None unless both outcomes occur."""
    churned = np.asarray(churned, dtype=bool)
    n, positives = len(scores), int(churned.sum())
    auc = None
    if 0 < positives < n:
        auc = round(float(roc_auc_score(churned, -np.asarray(scores, dtype=float))), 4)
    per_band: dict[str, dict[str, Any]] = {}
    names = list(band_names) + sorted({str(b) for b in bands} - set(band_names))
    for name in names:
        in_band = np.asarray(bands) == name
        count, lost = int(in_band.sum()), int((churned & in_band).sum())
        per_band[name] = {
            "accounts": count,
            "churned": lost,
            "rate": round(lost / count, 4) if count else None,
        }
    return {
        "as_of": as_of.isoformat(),
        "accounts": n,
        "churned": positives,
        "churn_rate": round(positives / n, 4) if n else None,
        "auc": auc,
        "bands": per_band,
    }


def mean_auc(results: list[dict[str, Any]]) -> float | None:
    values = [r["auc"] for r in results if r.get("auc") is not None]
    return round(float(np.mean(values)), 4) if values else None


def default_as_of_dates(
    latest_data: date, horizon_days: int, *, count: int = 6, step_days: int = 30, earliest: date | None = None
) -> list[date]:
    """`count` dates `step_days` apart, the last one `horizon_days` before the latest data (so every
    outcome is known), none before `earliest`. Oldest first."""
    last = latest_data - timedelta(days=horizon_days)
    dates = [last - timedelta(days=step_days * i) for i in range(count)]
    if earliest is not None:
        dates = [d for d in dates if d >= earliest]
    return sorted(dates)


def format_table(results: list[dict[str, Any]], band_names: list[str]) -> str:
    """A plain-text table: one line per as-of date (accounts, churned, AUC, churn rate per band)."""
    head = ["as of", "accounts", "churned", "AUC", *[f"{b} churn" for b in band_names]]
    rows = [head]
    for r in results:
        cells = [
            r["as_of"],
            str(r["accounts"]),
            str(r["churned"]),
            "-" if r["auc"] is None else f"{r['auc']:.3f}",
        ]
        for band in band_names:
            stats = r["bands"].get(band) or {}
            rate = stats.get("rate")
            cells.append("-" if rate is None else f"{rate:.1%} of {stats['accounts']}")
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    overall = mean_auc(results)
    lines.append(f"mean AUC: {'-' if overall is None else f'{overall:.3f}'}")
    return "\n".join(lines)
