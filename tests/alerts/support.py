"""Builders for alert tests: rules, and the rows each rule kind reads. They flush, never commit."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from dashapp.alerts.rules import RuleSpec
from models.account import Account
from models.alert import AlertRule
from models.billing import Invoice, Payment
from models.support import SupportTicket

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def make_rule(session: Session, kind: str, params: dict[str, Any] | None = None, **kw: Any) -> AlertRule:
    """A validated rule; the shipped defaults are switched off so only this one runs."""
    session.execute(update(AlertRule).where(AlertRule.is_default).values(enabled=False))
    spec = RuleSpec(name=kw.pop("name", f"rule {kind} {params}"), kind=kind, params=params or {}, **kw)
    rule = AlertRule(**spec.model_dump(mode="json"))
    session.add(rule)
    session.flush()
    return rule


def failed_payment(
    session: Session, account: Account, at: datetime, n: int = 1, status: str = "failed"
) -> Invoice:
    invoice = Invoice(
        external_id=f"in_{account.id}_{n}",
        account_id=account.id,
        amount=Decimal("100.00"),
        status=status,
        issued_at=at,
        due_at=at,
    )
    session.add(invoice)
    session.flush()
    session.add(
        Payment(
            external_id=f"py_{account.id}_{n}",
            invoice_id=invoice.id,
            amount=Decimal("100.00"),
            status="failed",
            attempted_at=at,
        )
    )
    session.flush()
    return invoice


def ticket(session: Session, account: Account, at: datetime, n: int = 1, **kw: Any) -> SupportTicket:
    row = SupportTicket(
        external_id=f"t_{account.id}_{n}", account_id=account.id, opened_at=at, subject="help", **kw
    )
    session.add(row)
    session.flush()
    return row
