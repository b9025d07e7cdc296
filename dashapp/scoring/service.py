"""The scoring functions pages, the API and the CLI call (jobs wrap the long ones; see `jobs.scores`).

- `recompute_account_now(db, account_id)`: score one account (and its hierarchy) for today, now.
- `set_override(...)` / `clear_override(...)`: manual score or band with reason and expiry, audited,
  applied to the current snapshot at once and kept by every recompute until it expires or is cleared.
- `run_backtest(...)`: backtest a scorecard's current version and store the result.
- `preview_scorecard(...)`: score distribution and backtest of an edited definition, without saving it.

Queueing a recompute, backtest or preview is in `jobs.scores` (`enqueue_recompute` and friends).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from dashapp.scoring import backtest as bt
from dashapp.scoring import engine, overrides
from dashapp.scoring.assignment import ActiveScorecard
from dashapp.scoring.backtest_run import backtest_card, default_dates
from dashapp.scoring.definition import ScorecardDefinition, ScorecardError, parse_definition
from dashapp.scoring.engine import Progress, Scope, driver
from dashapp.scoring.store import active_scorecards, definitions, ensure_default_scorecard
from models.account import Account, live_sql
from models.audit import record
from models.db import Database
from models.health import AccountHealth, HealthSnapshot
from models.scoring import HealthOverride, ScoreBacktest
from models.user import User

MAX_OVERRIDE_DAYS = 366
PREVIEW_VERSION = 0  # stands in for the version id of an unsaved definition


class OverrideError(ValueError):
    """An override request is invalid; the message says what to fix."""


def recompute_account_now(
    db: Database, account_id: int, *, as_of: date | None = None
) -> engine.RecomputeResult:
    """Score one account (with its parent/children) for `as_of` (default today) in this process."""
    return engine.recompute(db, as_of=as_of, scope=Scope(account_ids=(account_id,)))


# --- overrides -----------------------------------------------------------------------------------------


def _actor(actor: User | None) -> tuple[int | None, str]:
    return (actor.id, actor.email) if actor else (None, "cli")


def _current_day(session: Session, account_id: int) -> date | None:
    return session.scalar(select(AccountHealth.day).where(AccountHealth.account_id == account_id))


def _scorecard_for(session: Session, account_id: int) -> ScorecardDefinition:
    """The definition behind the account's latest snapshot, else the default scorecard's."""
    version_id = session.scalar(
        select(HealthSnapshot.scorecard_version_id)
        .where(HealthSnapshot.account_id == account_id)
        .order_by(HealthSnapshot.day.desc())
        .limit(1)
    )
    if version_id is not None:
        return definitions(session, [version_id])[version_id]
    card = ensure_default_scorecard(session)
    return definitions(session, [card.current_version_id or 0])[card.current_version_id or 0]


def band_names_for(session: Session, account_id: int) -> list[str]:
    """The bands an override of this account may name (those of its scorecard)."""
    return _scorecard_for(session, account_id).band_names()


def active_override(session: Session, account_id: int, day: date | None = None) -> HealthOverride | None:
    """The override in force for the account on `day` (default: the day of its current snapshot, or today)."""
    day = day or _current_day(session, account_id) or engine.today()
    return session.scalar(
        select(HealthOverride)
        .where(
            HealthOverride.account_id == account_id,
            HealthOverride.starts_on <= day,
            HealthOverride.expires_on > day,
            (HealthOverride.cleared_on.is_(None)) | (HealthOverride.cleared_on > day),
        )
        .order_by(HealthOverride.created_at.desc(), HealthOverride.id.desc())
        .limit(1)
    )


def set_override(
    session: Session,
    account_id: int,
    *,
    reason: str,
    expires_on: date,
    score: float | None = None,
    band: str | None = None,
    actor: User | None = None,
    today: date | None = None,
) -> HealthOverride:
    """Set a manual score and/or band until `expires_on` (exclusive). Replaces any override in force."""
    today = today or engine.today()
    account = session.get(Account, account_id)
    if account is None:
        raise OverrideError(f"account {account_id} does not exist")
    reason = (reason or "").strip()
    if not reason:
        raise OverrideError("reason: say why the score is overridden")
    if len(reason) > 2000:
        raise OverrideError("reason: at most 2000 characters")
    if score is None and band is None:
        raise OverrideError("give a score, a band, or both")
    if score is not None and not (0 <= float(score) <= 100):
        raise OverrideError(f"score: {score} is not between 0 and 100")
    definition = _scorecard_for(session, account_id)
    if band is not None and band not in definition.band_names():
        raise OverrideError(f"band: {band!r} is not one of {', '.join(definition.band_names())}")
    if expires_on <= today:
        raise OverrideError(f"expires: {expires_on} is not after today ({today})")
    if expires_on > today + timedelta(days=MAX_OVERRIDE_DAYS):
        raise OverrideError(f"expires: at most {MAX_OVERRIDE_DAYS} days ahead")
    # In force from the day the account's current snapshot shows, so it is visible at once.
    current = _current_day(session, account_id)
    starts_on = min(today, current) if current else today
    replaced = active_override(session, account_id, starts_on)
    actor_id, actor_name = _actor(actor)
    if replaced is not None:
        _end(replaced, starts_on, actor_id, "replaced by a new override")
    override = HealthOverride(
        account_id=account_id,
        score=None if score is None else round(float(score), 1),
        band=band,
        reason=reason,
        starts_on=starts_on,
        expires_on=expires_on,
        created_by_id=actor_id,
    )
    session.add(override)
    session.flush()
    record(
        session,
        actor_id=actor_id,
        actor=actor_name,
        action="health.override.set",
        object_type="account",
        object_id=account_id,
        details={
            "override_id": override.id,
            "score": override.score,
            "band": band,
            "reason": reason,
            "starts_on": starts_on.isoformat(),
            "expires_on": expires_on.isoformat(),
            "replaced_override_id": replaced.id if replaced else None,
        },
    )
    apply_to_current(session, account_id)
    return override


def _end(override: HealthOverride, on: date, actor_id: int | None, reason: str) -> None:
    override.cleared_at = datetime.now(UTC)
    override.cleared_on = max(on, override.starts_on)
    override.cleared_by_id = actor_id
    override.cleared_reason = reason


def clear_override(
    session: Session,
    account_id: int,
    *,
    actor: User | None = None,
    reason: str = "",
    today: date | None = None,
) -> HealthOverride | None:
    """End the override in force (if any) from the current snapshot's day on; the computed score shows."""
    today = today or engine.today()
    current = _current_day(session, account_id)
    day = min(today, current) if current else today
    override = active_override(session, account_id, day)
    if override is None:
        return None
    actor_id, actor_name = _actor(actor)
    _end(override, day, actor_id, reason.strip() or "cleared")
    session.flush()
    record(
        session,
        actor_id=actor_id,
        actor=actor_name,
        action="health.override.clear",
        object_type="account",
        object_id=account_id,
        details={
            "override_id": override.id,
            "reason": override.cleared_reason,
            "cleared_on": day.isoformat(),
        },
    )
    apply_to_current(session, account_id)
    return override


def apply_to_current(session: Session, account_id: int) -> None:
    """Re-derive the shown score/band of the account's current snapshot from its computed values and the
    override in force that day (no recompute needed)."""
    current = session.scalar(
        select(HealthSnapshot)
        .where(HealthSnapshot.account_id == account_id)
        .order_by(HealthSnapshot.day.desc())
        .limit(1)
    )
    if current is None:
        return
    forced = overrides.in_force(driver(session), current.day, np.array([account_id]))
    version = current.scorecard_version_id or 0
    shown = overrides.apply(
        np.array([account_id]),
        np.array([version]),
        np.array([current.computed_score]),
        np.array([current.computed_band], dtype=object),
        forced,
        # A snapshot that names no scorecard version is banded by the default scorecard.
        definitions(session, [version]) if version else {0: _scorecard_for(session, account_id)},
    )
    values = {
        "score": float(shown.score[0]),
        "band": str(shown.band[0]),
        "overridden": bool(shown.overridden[0]),
        "id": account_id,
        "day": current.day,
    }
    session.execute(
        text(
            "UPDATE health_snapshots SET score = :score, band = :band, overridden = :overridden "
            "WHERE account_id = :id AND day = :day"
        ),
        values,
    )
    session.execute(
        text(
            "UPDATE account_health SET score = :score, band = :band, overridden = :overridden, updated_at = now() "
            "WHERE account_id = :id AND day = :day"
        ),
        values,
    )
    session.expire_all()


# --- backtest and preview ------------------------------------------------------------------------------


def _target(cards: list[ActiveScorecard], scorecard_id: int | None) -> ActiveScorecard:
    for card in cards:
        if (scorecard_id is None and card.is_default) or card.scorecard_id == scorecard_id:
            return card
    raise ScorecardError(f"scorecard {scorecard_id} does not exist or is archived")


def run_backtest(
    session: Session,
    *,
    scorecard_id: int | None = None,
    horizon_days: int = 90,
    as_of_dates: list[date] | None = None,
    requested_by_id: int | None = None,
    progress: Progress | None = None,
    label: str = "churned",
) -> ScoreBacktest:
    """Backtest the current version of a scorecard (default: the default scorecard) and store it."""
    cards = active_scorecards(session)
    card = _target(cards, scorecard_id)
    dates = as_of_dates or default_dates(session, horizon_days, cards)
    if not dates:
        raise ScorecardError("no usage data to backtest against yet")
    results = backtest_card(session, cards, card, horizon_days, dates, progress, label=label)
    if not any(r["accounts"] for r in results):
        raise ScorecardError("nothing to score on those dates: no account had started and had data then")
    for r in results:
        r["label"] = label
    stored = ScoreBacktest(
        scorecard_id=card.scorecard_id,
        scorecard_version_id=card.version_id,
        horizon_days=horizon_days,
        results=results,
        mean_auc=bt.mean_auc(results),
        requested_by_id=requested_by_id,
    )
    session.add(stored)
    session.flush()
    return stored


def _distribution(scores: np.ndarray, bands: np.ndarray, band_names: list[str]) -> dict[str, Any]:
    counts, _edges = np.histogram(scores, bins=10, range=(0, 100))
    return {
        "accounts": len(scores),
        "mean": round(float(scores.mean()), 1) if len(scores) else None,
        "median": round(float(np.median(scores)), 1) if len(scores) else None,
        "histogram": [{"from": 10 * i, "to": 10 * i + 10, "accounts": int(c)} for i, c in enumerate(counts)],
        "bands": {name: int((bands == name).sum()) for name in band_names},
    }


def sample_accounts(session: Session, size: int) -> tuple[np.ndarray | None, int]:
    """Up to `size` account ids spread over the book (the same ones each time, so successive previews
    compare like with like), or None when the book is no larger; and the book's size."""
    total = int(session.scalar(text(f"SELECT count(*) FROM accounts WHERE {live_sql()}")) or 0)
    if total <= size:
        return None, total
    spread = text(f"SELECT id FROM accounts WHERE {live_sql()} ORDER BY hashint8(id) LIMIT :n")
    ids = session.scalars(spread, {"n": size}).all()
    return np.array(sorted(ids), dtype=np.int64), total


def preview_scorecard(
    session: Session,
    definition: dict[str, Any],
    *,
    scorecard_id: int | None = None,
    horizon_days: int = 90,
    as_of: date | None = None,
    as_of_dates: list[date] | None = None,
    progress: Progress | None = None,
    sample: int | None = None,
) -> dict[str, Any]:
    """What an edit to a scorecard (default: the default scorecard) would do, without saving it:
    today's score distribution and bands, and the backtest, each beside the current version's.

    With `sample`, a book larger than that is previewed on `sample` accounts spread over it, percentile
    measures ranking them among the sample's peers; `out["sample"]` says how many of how many."""
    parsed = parse_definition(definition)
    targets, book = sample_accounts(session, sample) if sample else (None, 0)
    cards = active_scorecards(session)
    current = _target(cards, scorecard_id)
    proposed = replace(current, version_id=PREVIEW_VERSION, definition=parsed)
    trial = [proposed if c.scorecard_id == current.scorecard_id else c for c in cards]
    conn = driver(session)
    engine.tune(conn)
    day = as_of or engine.today()
    sampled = targets is not None
    now_current = engine.score_day(
        conn, day, cards, targets, only_version=current.version_id, peers_within_targets=sampled
    ).frame
    # The page previews the saved version as soon as it opens: an unchanged definition is scored once.
    unchanged = parsed == current.definition
    now_proposed = (
        now_current
        if unchanged
        else engine.score_day(
            conn, day, trial, targets, only_version=PREVIEW_VERSION, peers_within_targets=sampled
        ).frame
    )
    dates = as_of_dates or default_dates(session, horizon_days, cards)
    out: dict[str, Any] = {
        "scorecard_id": current.scorecard_id,
        "as_of": day.isoformat(),
        "current": _distribution(now_current.score, now_current.band, current.definition.band_names()),
        "proposed": _distribution(now_proposed.score, now_proposed.band, parsed.band_names()),
        "horizon_days": horizon_days,
        "sample": None if targets is None else {"accounts": len(targets), "of": book},
    }
    if dates:

        def half(offset: float) -> Progress | None:
            return None if progress is None else (lambda f, m: progress(offset + f / 2, m))

        old = backtest_card(session, cards, current, horizon_days, dates, half(0.0), targets)
        new = (
            old
            if unchanged
            else backtest_card(session, trial, proposed, horizon_days, dates, half(0.5), targets)
        )
        out["backtest"] = {
            "current": {"mean_auc": bt.mean_auc(old), "results": old},
            "proposed": {"mean_auc": bt.mean_auc(new), "results": new},
        }
    return out
