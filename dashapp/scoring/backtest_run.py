"""Run a backtest against the database: score a scorecard as of past dates and compare with what happened
after (churn, or no activity within the horizon)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from dashapp.scoring import backtest as bt
from dashapp.scoring import engine
from dashapp.scoring.assignment import ActiveScorecard
from dashapp.scoring.definition import ScorecardError
from dashapp.scoring.engine import Progress, driver
from dashapp.scoring.start_dates import fill_from_first_activity


def default_dates(session: Session, horizon_days: int, cards: list[ActiveScorecard]) -> list[date]:
    first, last = session.execute(text("SELECT min(day), max(day) FROM account_daily_metrics")).one()
    if last is None:
        return []
    lookback = engine.lookback(cards)
    return bt.default_as_of_dates(last, horizon_days, earliest=first + timedelta(days=lookback))


def backtest_card(
    session: Session,
    cards: list[ActiveScorecard],
    card: ActiveScorecard,
    horizon_days: int,
    as_of_dates: list[date],
    progress: Progress | None = None,
    targets: np.ndarray | None = None,
    label: str = "churned",
) -> list[dict[str, Any]]:
    """For each as-of date: score the card's accounts (or those of `targets`) as of then, and compare with
    what happened after: label "churned" (`churned_at` within the horizon) or "inactive" (no activity
    within the horizon; only accounts active in the year before the date are counted)."""
    if horizon_days < 1 or horizon_days > 730:
        raise ScorecardError("horizon_days: must be between 1 and 730")
    if label not in bt.LABELS:
        raise ScorecardError(f"label: must be one of {', '.join(bt.LABELS)}")
    conn = driver(session)
    engine.tune(conn)
    fill_from_first_activity(conn)
    churn = dict(conn.execute("SELECT id, churned_at FROM accounts WHERE churned_at IS NOT NULL").fetchall())
    results = []
    for i, as_of in enumerate(sorted(as_of_dates)):
        if label == "inactive":
            result = _inactive_result(conn, card, as_of, horizon_days, cards, targets)
            if result is not None:
                results.append(result)
            if progress is not None:
                progress((i + 1) / len(as_of_dates), f"as of {as_of.isoformat()}")
            continue
        scored = engine.score_day(
            conn,
            as_of,
            cards,
            targets,
            only_version=card.version_id,
            peers_within_targets=targets is not None,
        )
        frame = scored.frame
        start = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        end = start + timedelta(days=horizon_days)
        churned = np.array(
            [start <= churn[a] < end if a in churn else False for a in frame.account_ids.tolist()]
        )
        results.append(bt.evaluate(as_of, frame.score, frame.band, churned, card.definition.band_names()))
        if progress is not None:
            progress((i + 1) / len(as_of_dates), f"as of {as_of.isoformat()}")
    return results


def _inactive_result(
    conn: Any,
    card: ActiveScorecard,
    as_of: date,
    horizon_days: int,
    cards: list[ActiveScorecard],
    targets: np.ndarray | None,
) -> dict[str, Any] | None:
    scored = engine.score_day(
        conn, as_of, cards, targets, only_version=card.version_id, peers_within_targets=targets is not None
    )
    frame = scored.frame
    before, after = bt.activity_around(conn, as_of, horizon_days)
    keep = np.isin(frame.account_ids, list(before))
    if not keep.any():
        return None
    ids = frame.account_ids[keep]
    lapsed = ~np.isin(ids, list(after))
    return bt.evaluate(as_of, frame.score[keep], frame.band[keep], lapsed, card.definition.band_names())
