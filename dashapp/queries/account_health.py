"""One account with its current health, and its daily health series (used by the API and account pages)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models.account import Account, live
from models.health import AccountHealth, HealthSnapshot
from models.user import User

_parent = aliased(Account)


def account_detail(session: Session, external_id: str) -> Any | None:
    """The account row with its current health, parent and owner; None when there is no such account."""
    stmt = (
        select(
            Account,
            AccountHealth,
            _parent.external_id.label("parent_external_id"),
            User.id.label("owner_user_id"),
            User.email.label("owner_email"),
            User.name.label("owner_name"),
        )
        .outerjoin(AccountHealth, AccountHealth.account_id == Account.id)
        .outerjoin(_parent, _parent.id == Account.parent_id)
        .outerjoin(User, User.id == Account.owner_id)
        .where(Account.external_id == external_id, live(Account))
    )
    return session.execute(stmt).first()


def current_health(session: Session, external_id: str) -> tuple[bool, Any | None]:
    """(account exists, its current health joined to that day's snapshot or None when not scored yet)."""
    stmt = (
        select(
            Account.id,
            AccountHealth.day,
            AccountHealth.score,
            AccountHealth.band,
            AccountHealth.computed_score,
            AccountHealth.computed_band,
            AccountHealth.overridden,
            AccountHealth.delta_7,
            AccountHealth.delta_30,
            AccountHealth.delta_90,
            AccountHealth.explanation_text,
            HealthSnapshot.measures,
            HealthSnapshot.explanation,
            HealthSnapshot.scorecard_version_id,
            HealthSnapshot.computed_at,
        )
        .select_from(Account)
        .outerjoin(AccountHealth, AccountHealth.account_id == Account.id)
        .outerjoin(
            HealthSnapshot,
            (HealthSnapshot.account_id == Account.id) & (HealthSnapshot.day == AccountHealth.day),
        )
        .where(Account.external_id == external_id, live(Account))
    )
    row = session.execute(stmt).first()
    if row is None:
        return False, None
    return True, (row if row.day is not None else None)


def account_id(session: Session, external_id: str) -> int | None:
    return session.scalar(select(Account.id).where(Account.external_id == external_id, live(Account)))


def health_history(session: Session, account_pk: int, first: date, last: date) -> list[Any]:
    """Daily snapshots of one account from `first` to `last`, oldest first."""
    stmt = (
        select(
            HealthSnapshot.day,
            HealthSnapshot.score,
            HealthSnapshot.band,
            HealthSnapshot.computed_score,
            HealthSnapshot.overridden,
            HealthSnapshot.delta_7,
            HealthSnapshot.delta_30,
            HealthSnapshot.delta_90,
        )
        .where(HealthSnapshot.account_id == account_pk, HealthSnapshot.day.between(first, last))
        .order_by(HealthSnapshot.day)
    )
    return list(session.execute(stmt))
