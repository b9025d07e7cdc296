"""Reading alerts: the filtered list (Alerts page, API, CLI), the unread count (the bell), an account's
alert history (its timeline)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, Select, any_, func, literal, or_, select
from sqlalchemy.orm import Session

from dashapp.alerts.rules import describe_escalation, effective_escalation
from models.account import Account, live
from models.alert import Alert, AlertChange, AlertEvent, AlertRule
from models.user import User

STATES = ("open", "acknowledged", "snoozed", "resolved")
MAX_LIMIT = 200


class AlertQuery(BaseModel):
    """Which alerts: the same keys on the Alerts page URL, the API query string and the CLI."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: tuple[Literal["open", "acknowledged", "snoozed", "resolved"], ...] = ()
    severity: tuple[Literal["info", "warning", "critical"], ...] = ()
    rule: tuple[int, ...] = ()
    mine: bool = False  # routed or escalated to me, or on an account I own
    team: bool = False  # on an account of my team (my reports' and mine)
    account: str | None = Field(default=None, max_length=255, description="account external id")
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=1_000_000)


def _escalated_to(user_id: int) -> Any:
    """The alert went up an escalation step to the user."""
    return (
        select(AlertEvent.id)
        .where(
            AlertEvent.alert_id == Alert.id,
            AlertEvent.kind == "escalated",
            literal(user_id, BigInteger) == any_(AlertEvent.recipient_ids),
        )
        .exists()
    )


def addressed_to(user_id: int) -> Any:
    """The alert was routed to the user, or escalated to them: what their bell counts."""
    return or_(literal(user_id, BigInteger) == any_(Alert.recipient_ids), _escalated_to(user_id))


def _mine(user_id: int) -> Any:
    return or_(addressed_to(user_id), Account.owner_id == user_id)


def _team(user_id: int) -> Any:
    reports = select(User.id).where(User.manager_id == user_id)
    return or_(Account.owner_id == user_id, Account.owner_id.in_(reports))


def _filtered(query: AlertQuery, user_id: int | None) -> Select:
    stmt = (
        select(
            Alert,
            Account.external_id.label("account_external_id"),
            Account.name.label("account_name"),
            Account.owner_id.label("owner_id"),
            AlertRule.name.label("rule_name"),
            AlertRule.kind.label("rule_kind"),
        )
        .join(Account, (Account.id == Alert.account_id) & live(Account))
        .join(AlertRule, AlertRule.id == Alert.rule_id)
    )
    if query.state:
        stmt = stmt.where(Alert.state.in_(query.state))
    if query.severity:
        stmt = stmt.where(Alert.severity.in_(query.severity))
    if query.rule:
        stmt = stmt.where(Alert.rule_id.in_(query.rule))
    if query.account:
        stmt = stmt.where(Account.external_id == query.account)
    if query.mine:
        stmt = stmt.where(_mine(user_id) if user_id else Alert.id.is_(None))
    if query.team:
        stmt = stmt.where(_team(user_id) if user_id else Alert.id.is_(None))
    return stmt


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    account_external_id: str
    account_name: str
    owner_id: int | None
    rule_name: str
    rule_kind: str

    def as_dict(self) -> dict[str, Any]:
        a = self.alert
        return {
            "id": a.id,
            "rule_id": a.rule_id,
            "rule_name": self.rule_name,
            "kind": self.rule_kind,
            "account": {"external_id": self.account_external_id, "name": self.account_name},
            "owner_id": self.owner_id,
            "state": a.state,
            "severity": a.severity,
            "title": a.title,
            "details": a.details,
            "recipient_ids": list(a.recipient_ids or []),
            "opened_at": a.opened_at,
            "acknowledged_at": a.acknowledged_at,
            "acknowledged_by_id": a.acknowledged_by_id,
            "snoozed_until": a.snoozed_until,
            "snooze_reason": a.snooze_reason,
            "resolved_at": a.resolved_at,
            "resolved_by_id": a.resolved_by_id,
            "resolution": a.resolution,
        }


def list_alerts(session: Session, query: AlertQuery, user_id: int | None) -> tuple[list[AlertRow], int]:
    """One page of alerts, newest first, and how many match in all."""
    stmt = _filtered(query, user_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = stmt.order_by(Alert.opened_at.desc(), Alert.id.desc()).limit(query.limit).offset(query.offset)
    return [AlertRow(*row) for row in session.execute(page)], total


def one_alert(session: Session, alert_id: int) -> AlertRow | None:
    row = session.execute(_filtered(AlertQuery(), None).where(Alert.id == alert_id)).first()
    return AlertRow(*row) if row else None


def rule_names(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every rule, by name: the rule filter's choices."""
    return [
        (r.id, r.name) for r in session.execute(select(AlertRule.id, AlertRule.name).order_by(AlertRule.name))
    ]


def rule_escalations(session: Session) -> dict[int, tuple[str, bool]]:
    """Rule id -> (its effective escalation policy in words, whether it is the severity's default)."""
    rows = session.execute(select(AlertRule.id, AlertRule.severity, AlertRule.escalation))
    out: dict[int, tuple[str, bool]] = {}
    for rule_id, severity, escalation in rows:
        try:
            words = describe_escalation(effective_escalation(severity, escalation))
        except ValueError:  # a policy written around the API: say so rather than fail the page
            words = "invalid"
        out[rule_id] = (words, escalation is None)
    return out


def unread_count(session: Session, user_id: int) -> int:
    """Open alerts routed or escalated to the user that nobody has acknowledged yet: the bell's number."""
    stmt = select(func.count()).where(Alert.state == "open", addressed_to(user_id))
    return session.scalar(stmt) or 0


def addressees(session: Session, alert_ids: Sequence[int]) -> list[int]:
    """Everyone whose bell counts any of these alerts: their recipients and whoever they escalated to."""
    if not alert_ids:
        return []
    routed = select(func.unnest(Alert.recipient_ids)).where(Alert.id.in_(alert_ids))
    escalated = select(func.unnest(AlertEvent.recipient_ids)).where(
        AlertEvent.alert_id.in_(alert_ids), AlertEvent.kind == "escalated"
    )
    return sorted({int(u) for u in session.scalars(routed.union(escalated))})


def changes(session: Session, alert_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(AlertChange, User.email)
        .outerjoin(User, User.id == AlertChange.actor_id)
        .where(AlertChange.alert_id == alert_id)
        .order_by(AlertChange.at, AlertChange.id)
    )
    return [
        {
            "from_state": c.from_state,
            "to_state": c.to_state,
            "actor_id": c.actor_id,
            "actor": email or "system",
            "reason": c.reason,
            "at": c.at,
        }
        for c, email in rows
    ]


def _escalations(where: Any) -> Select:
    emails = (  # NULL when nobody
        select(func.array_agg(User.email)).where(User.id == any_(AlertEvent.recipient_ids)).scalar_subquery()
    )
    return (
        select(AlertEvent, emails.label("emails"), AlertRule.name.label("rule_name"))
        .join(Alert, Alert.id == AlertEvent.alert_id)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .where(AlertEvent.kind == "escalated", where)
    )


def escalations(session: Session, alert_id: int) -> list[dict[str, Any]]:
    """The escalation steps taken for an alert: which step, its target, who it went to, when."""
    rows = session.execute(
        _escalations(AlertEvent.alert_id == alert_id).order_by(AlertEvent.created_at, AlertEvent.id)
    )
    return [
        {
            "step": e.details.get("step"),
            "target": e.details.get("target"),
            "user_ids": list(e.recipient_ids or []),
            "to": sorted(emails or []),
            "at": e.created_at,
        }
        for e, emails, _rule in rows
    ]


def _escalation_text(rule: str, event: AlertEvent, emails: list[str] | None) -> str:
    to = ", ".join(sorted(emails or [])) or "nobody"
    step, target = event.details.get("step"), event.details.get("target")
    return f"Alert “{rule}” escalated to {to} (step {step}: {target})"


def alert_timeline(session: Session, account_id: int, limit: int = 60) -> list[dict[str, Any]]:
    """An account's alert changes for its timeline: opened, acknowledged, snoozed, escalated, resolved."""
    rows = session.execute(
        select(AlertChange.at, AlertChange.to_state, AlertChange.reason, AlertRule.name, User.email)
        .join(Alert, Alert.id == AlertChange.alert_id)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .outerjoin(User, User.id == AlertChange.actor_id)
        .where(Alert.account_id == account_id)
        .order_by(AlertChange.at.desc())
        .limit(limit)
    )
    out = []
    for at, state, reason, rule, email in rows:
        who = f" by {email}" if email else ""
        why = f" ({reason})" if reason and state in ("snoozed", "resolved") else ""
        out.append({"at": at, "kind": "alert", "text": f"Alert “{rule}” {state}{who}{why}"})
    stepped = session.execute(
        _escalations(Alert.account_id == account_id).order_by(AlertEvent.created_at.desc()).limit(limit)
    )
    out += [
        {"at": e.created_at, "kind": "alert", "text": _escalation_text(rule, e, emails)}
        for e, emails, rule in stepped
    ]
    return sorted(out, key=lambda item: item["at"], reverse=True)[:limit]


def is_aware(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None
