"""Churn rows for pages and the API: the active model, one account's score, the riskiest filtered accounts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.filters import Filters, apply, health_join
from models.account import Account
from models.churn import ChurnModel, ChurnScore
from models.health import AccountHealth

MAX_ROWS = 500


def active_model(session: Session) -> ChurnModel | None:
    return session.scalar(select(ChurnModel).where(ChurnModel.is_active))


def account_score(session: Session, account_id: int) -> tuple[ChurnModel, ChurnScore | None] | None:
    """(active model, the account's score from it or None); None when there is no active model."""
    model = active_model(session)
    if model is None:
        return None
    score = session.get(ChurnScore, (model.id, account_id))
    return model, score


def top_risk(
    session: Session, model_id: int, filters: Filters, *, limit: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """The filtered accounts scored by `model_id`, highest probability first, and how many are scored."""
    limit = max(1, min(limit, MAX_ROWS))
    base = (
        select(
            Account.id,
            Account.external_id,
            Account.name,
            Account.segment,
            Account.arr,
            AccountHealth.score,
            AccountHealth.band,
            ChurnScore.probability,
            ChurnScore.drivers,
            ChurnScore.as_of,
        )
        .select_from(health_join().join(ChurnScore, ChurnScore.account_id == Account.id))
        .where(ChurnScore.model_id == model_id)
    )
    stmt = apply(base, filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(ChurnScore.probability.desc(), Account.id).limit(limit)).all()
    return [dict(r._mapping) for r in rows], total
