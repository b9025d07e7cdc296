"""Builders for health rows (snapshots and current health) written the way the scoring engine writes them.

They flush, never commit: the test's transaction is rolled back.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from models.account import Account
from models.health import AccountHealth, HealthSnapshot


def band_for(score: float) -> str:
    return "red" if score < 40 else "yellow" if score < 70 else "green"


def default_measures(score: float) -> list[dict[str, Any]]:
    """Three measures whose contributions add up to `score`."""
    parts = [("usage", "Product usage", 0.5), ("support", "Support", 0.3), ("billing", "Billing", 0.2)]
    return [
        {
            "key": key,
            "label": label,
            "group": key,
            "raw": round(score / 10, 2),
            "normalised": round(score, 2),
            "weight": weight,
            "effective_weight": weight,
            "contribution": round(score * weight, 4),
            "missing": False,
        }
        for key, label, weight in parts
    ]


def make_snapshot(session: Session, account: Account, day: date, score: float, **kw: Any) -> HealthSnapshot:
    band = kw.pop("band", band_for(score))
    values: dict[str, Any] = {
        "account_id": account.id,
        "day": day,
        "score": score,
        "band": band,
        "computed_score": kw.pop("computed_score", score),
        "computed_band": kw.pop("computed_band", band),
        "measures": kw.pop("measures", default_measures(score)),
        "explanation_text": kw.pop("explanation_text", ""),
    }
    values.update(kw)
    snapshot = HealthSnapshot(**values)
    session.add(snapshot)
    session.flush()
    return snapshot


def make_health(session: Session, account: Account, score: float, **kw: Any) -> AccountHealth:
    """The current-health row of `account` (what `account_health` holds after a recompute)."""
    band = kw.pop("band", band_for(score))
    values: dict[str, Any] = {
        "account_id": account.id,
        "day": kw.pop("day", date.today()),
        "score": score,
        "band": band,
        "computed_score": kw.pop("computed_score", score),
        "computed_band": kw.pop("computed_band", band),
    }
    values.update(kw)
    row = AccountHealth(**values)
    session.add(row)
    session.flush()
    return row


def make_history(
    session: Session,
    account: Account,
    scores: list[float],
    *,
    end: date | None = None,
    explanation_text: str = "",
) -> AccountHealth:
    """Daily snapshots ending `end` (today) with `scores` (oldest first), and the matching current row."""
    end = end or date.today()
    start = end - timedelta(days=len(scores) - 1)
    for i, score in enumerate(scores):
        make_snapshot(session, account, start + timedelta(days=i), score)

    def delta(days: int) -> float | None:
        return scores[-1] - scores[-1 - days] if len(scores) > days else None

    return make_health(
        session,
        account,
        scores[-1],
        day=end,
        delta_7=delta(7),
        delta_30=delta(30),
        delta_90=delta(90),
        explanation_text=explanation_text,
    )
