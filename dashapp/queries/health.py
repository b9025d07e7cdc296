"""Read health: an account's current breakdown and snapshot history, backtests, scorecards in use.

Small read-only functions for pages, the API and exports. They never compute scores (see
`dashapp.scoring.service` for that).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.health import AccountHealth, HealthSnapshot
from models.scoring import HealthOverride, ScoreBacktest, Scorecard, ScorecardVersion


def current_breakdown(session: Session, account_id: int) -> dict[str, Any] | None:
    """The account's latest snapshot: shown and computed score/band, the override in force, measures by
    group (each with raw, normalised, weights, contribution, missing) and why it moved. None if unscored."""
    snap = session.scalar(
        select(HealthSnapshot)
        .where(HealthSnapshot.account_id == account_id)
        .order_by(HealthSnapshot.day.desc())
        .limit(1)
    )
    if snap is None:
        return None
    groups: dict[str, dict[str, Any]] = {}
    for measure in snap.measures:
        group = groups.setdefault(
            measure["group"], {"group": measure["group"], "contribution": 0.0, "measures": []}
        )
        group["contribution"] = round(group["contribution"] + (measure.get("contribution") or 0.0), 1)
        group["measures"].append(measure)
    version = session.get(ScorecardVersion, snap.scorecard_version_id) if snap.scorecard_version_id else None
    card = session.get(Scorecard, version.scorecard_id) if version else None
    override = None
    if snap.overridden:
        row = session.scalar(
            select(HealthOverride)
            .where(
                HealthOverride.account_id == account_id,
                HealthOverride.starts_on <= snap.day,
                HealthOverride.expires_on > snap.day,
                (HealthOverride.cleared_on.is_(None)) | (HealthOverride.cleared_on > snap.day),
            )
            .order_by(HealthOverride.created_at.desc(), HealthOverride.id.desc())
            .limit(1)
        )
        if row is not None:
            override = {
                "id": row.id,
                "score": row.score,
                "band": row.band,
                "reason": row.reason,
                "expires_on": row.expires_on.isoformat(),
                "created_by_id": row.created_by_id,
                "created_at": row.created_at.isoformat(),
            }
    return {
        "account_id": account_id,
        "day": snap.day.isoformat(),
        "score": snap.score,
        "band": snap.band,
        "computed_score": snap.computed_score,
        "computed_band": snap.computed_band,
        "overridden": snap.overridden,
        "override": override,
        "scorecard": {"id": card.id, "name": card.name, "version": version.version}
        if card and version
        else None,
        "groups": list(groups.values()),
        "explanation": snap.explanation,
        "explanation_text": snap.explanation_text,
        "delta_7": snap.delta_7,
        "delta_30": snap.delta_30,
        "delta_90": snap.delta_90,
        "computed_at": snap.computed_at.isoformat(),
    }


def snapshot_history(
    session: Session, account_id: int, *, days: int = 180, until: date | None = None
) -> list[dict[str, Any]]:
    """Daily score history (oldest first): day, shown and computed score/band, overridden, sentence."""
    query = select(
        HealthSnapshot.day,
        HealthSnapshot.score,
        HealthSnapshot.band,
        HealthSnapshot.computed_score,
        HealthSnapshot.computed_band,
        HealthSnapshot.overridden,
        HealthSnapshot.explanation_text,
    ).where(HealthSnapshot.account_id == account_id)
    if until is not None:
        query = query.where(HealthSnapshot.day <= until, HealthSnapshot.day > until - timedelta(days=days))
    else:
        latest = session.scalar(select(AccountHealth.day).where(AccountHealth.account_id == account_id))
        if latest is None:
            return []
        query = query.where(HealthSnapshot.day > latest - timedelta(days=days))
    rows = session.execute(query.order_by(HealthSnapshot.day)).all()
    return [
        {
            "day": r.day.isoformat(),
            "score": r.score,
            "band": r.band,
            "computed_score": r.computed_score,
            "computed_band": r.computed_band,
            "overridden": r.overridden,
            "explanation_text": r.explanation_text,
        }
        for r in rows
    ]


def override_history(session: Session, account_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(HealthOverride)
        .where(HealthOverride.account_id == account_id)
        .order_by(HealthOverride.created_at.desc())
    )
    return [
        {
            "id": o.id,
            "score": o.score,
            "band": o.band,
            "reason": o.reason,
            "starts_on": o.starts_on.isoformat(),
            "expires_on": o.expires_on.isoformat(),
            "cleared_on": o.cleared_on.isoformat() if o.cleared_on else None,
            "cleared_reason": o.cleared_reason,
            "created_by_id": o.created_by_id,
        }
        for o in rows
    ]


def latest_backtests(
    session: Session, scorecard_id: int | None = None, limit: int = 10
) -> list[dict[str, Any]]:
    query = select(ScoreBacktest, ScorecardVersion.version).join(
        ScorecardVersion, ScorecardVersion.id == ScoreBacktest.scorecard_version_id
    )
    if scorecard_id is not None:
        query = query.where(ScoreBacktest.scorecard_id == scorecard_id)
    rows = session.execute(query.order_by(ScoreBacktest.created_at.desc()).limit(limit)).all()
    return [
        {
            "id": b.id,
            "scorecard_id": b.scorecard_id,
            "version": version,
            "horizon_days": b.horizon_days,
            "mean_auc": b.mean_auc,
            "results": b.results,
            "created_at": b.created_at.isoformat(),
        }
        for b, version in rows
    ]


def scorecard_versions(session: Session, scorecard_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ScorecardVersion)
        .where(ScorecardVersion.scorecard_id == scorecard_id)
        .order_by(ScorecardVersion.version.desc())
    )
    return [
        {
            "id": v.id,
            "version": v.version,
            "note": v.note,
            "created_by_id": v.created_by_id,
            "created_at": v.created_at.isoformat(),
        }
        for v in rows
    ]
