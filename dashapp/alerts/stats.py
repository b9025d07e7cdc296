"""Is a rule worth its noise? Per rule: alerts per week, share acknowledged, median time to acknowledge,
and the share of its alerts followed by churn within 90 days, beside the book's base rate. One query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Float, and_, case, cast, func, select
from sqlalchemy.orm import Session

from models.account import Account
from models.alert import Alert, AlertRule

HORIZON_DAYS = 90


@dataclass(frozen=True)
class RuleNoise:
    rule_id: int
    name: str
    kind: str
    enabled: bool
    alerts: int
    per_week: float
    acknowledged_share: float | None
    median_hours_to_ack: float | None
    churned_share: float | None  # of alerts old enough to know (opened 90+ days ago)
    base_rate: float | None  # of accounts active 90 days ago, the share that churned since


def base_churn_rate(session: Session, now: datetime) -> float | None:
    start = now - timedelta(days=HORIZON_DAYS)
    alive = and_(Account.created_at <= start, (Account.churned_at.is_(None)) | (Account.churned_at > start))
    total, churned = session.execute(
        select(func.count(), func.count().filter(Account.churned_at <= now)).where(alive)
    ).one()
    return churned / total if total else None


def rule_noise(session: Session, now: datetime) -> list[RuleNoise]:
    weeks = func.greatest(
        cast(func.extract("epoch", now - func.min(Alert.opened_at)), Float) / (7 * 86400), 1.0
    )
    acknowledged = Alert.acknowledged_at.is_not(None)
    ack_hours = cast(func.extract("epoch", Alert.acknowledged_at - Alert.opened_at), Float) / 3600
    known = Alert.opened_at <= now - timedelta(days=HORIZON_DAYS)
    churned_after = and_(
        known,
        Account.churned_at.is_not(None),
        Account.churned_at >= Alert.opened_at,
        Account.churned_at <= Alert.opened_at + timedelta(days=HORIZON_DAYS),
    )
    stmt = (
        select(
            AlertRule.id,
            AlertRule.name,
            AlertRule.kind,
            AlertRule.enabled,
            func.count(Alert.id),
            case((func.count(Alert.id) > 0, func.count(Alert.id) / weeks)),
            cast(func.count(Alert.id).filter(acknowledged), Float) / func.nullif(func.count(Alert.id), 0),
            func.percentile_cont(0.5).within_group(ack_hours).filter(acknowledged),
            cast(func.count(Alert.id).filter(churned_after), Float)
            / func.nullif(func.count(Alert.id).filter(known), 0),
        )
        .select_from(AlertRule)
        .outerjoin(Alert, and_(Alert.rule_id == AlertRule.id, Alert.opened_at <= now))
        .outerjoin(Account, Account.id == Alert.account_id)
        .group_by(AlertRule.id)
        .order_by(AlertRule.name)
    )
    base = base_churn_rate(session, now)
    return [
        RuleNoise(rid, name, kind, enabled, n, float(per_week or 0.0), ack, median, churned, base)
        for rid, name, kind, enabled, n, per_week, ack, median, churned in session.execute(stmt)
    ]
