"""Set-based evaluation: each enabled rule opens, keeps or resolves its alerts over the whole book in a few
statements (none per account).

Per rule: INSERT ... SELECT the accounts in scope where the kind `opens`, that have no unresolved alert of
the rule (one per rule and account, also enforced by a partial unique index) and none resolved within the
rule's cooldown; then resolve the unresolved alerts whose account no longer `holds` (with the reason).
Snoozed alerts whose date has come open again. Every change lands in `alert_changes` and, for the people
routed, in the `alert_events` outbox, in the caller's transaction. Re-running at the same `now` changes
nothing. The caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    cast,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from dashapp.alerts.conditions import kind_sql, scope_conditions
from dashapp.alerts.rules import Route, RuleSpec
from dashapp.filters import health_join
from models.account import Account
from models.alert import Alert, AlertChange, AlertEvent, AlertRule
from models.user import User

UNRESOLVED = ("open", "acknowledged", "snoozed")


@dataclass
class Outcome:
    opened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    per_rule: dict[int, dict[str, int]] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)  # rule id -> why it could not run

    def as_dict(self) -> dict[str, Any]:
        return {
            "opened": len(self.opened),
            "resolved": len(self.resolved),
            "reopened": len(self.reopened),
            "rules": {str(k): v for k, v in self.per_rule.items()},
            "skipped": {str(k): v for k, v in self.skipped.items()},
        }

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.resolved or self.reopened)


def spec_of(rule: AlertRule) -> RuleSpec:
    return RuleSpec(
        name=rule.name,
        kind=rule.kind,  # type: ignore[arg-type]
        params=rule.params,
        scope=rule.scope,
        severity=rule.severity,  # type: ignore[arg-type]
        routing=[Route.model_validate(x) for x in rule.routing],
        channels=rule.channels,  # type: ignore[arg-type]
        cooldown_hours=rule.cooldown_hours,
        escalation=rule.escalation,  # type: ignore[arg-type]
        enabled=rule.enabled,
        playbook_id=rule.playbook_id,
    )


def _id_array(values: Sequence[Any]) -> Any:
    return array([cast(v, BigInteger) for v in values], type_=BigInteger) if values else None


def recipients_sql(routing: Iterable[Route]) -> Any:
    """The user ids an alert on `Account` goes to, as one de-duplicated BIGINT[] expression."""
    singles: list[Any] = []
    arrays: list[Any] = []
    for route in routing:
        if route.to == "owner":
            singles.append(Account.owner_id)
        elif route.to == "manager":
            singles.append(select(User.manager_id).where(User.id == Account.owner_id).scalar_subquery())
        elif route.to == "user":
            singles.append(literal(route.user_id, BigInteger))
        else:
            arrays.append(
                select(func.array_agg(User.id))
                .where(User.role == route.role, User.is_active)
                .scalar_subquery()
            )
    combined: Any = (
        array(singles, type_=BigInteger) if singles else cast(array([], type_=BigInteger), ARRAY(BigInteger))
    )
    for extra in arrays:
        combined = func.array_cat(
            combined, func.coalesce(extra, cast(array([], type_=BigInteger), ARRAY(BigInteger)))
        )
    ids = func.unnest(combined).table_valued("id").render_derived()
    distinct_ids = (
        select(
            func.coalesce(
                func.array_agg(ids.c.id.distinct()), cast(array([], type_=BigInteger), ARRAY(BigInteger))
            )
        )
        .where(ids.c.id.is_not(None))
        .scalar_subquery()
    )
    return distinct_ids


def _record(
    session: Session,
    ids: Sequence[int],
    to_state: str,
    from_state: str | None,
    reason: str,
    now: datetime,
    event: str | None,
    actor_id: int | None = None,
) -> None:
    """Changes (and outbox events) for `ids`, set-based."""
    if not ids:
        return
    chosen = Alert.id.in_(list(ids))
    session.execute(
        insert(AlertChange).from_select(
            ["alert_id", "from_state", "to_state", "actor_id", "reason", "at"],
            select(
                Alert.id,
                literal(from_state) if from_state else null(),
                literal(to_state),
                literal(actor_id, BigInteger) if actor_id else null(),
                literal(reason),
                literal(now),
            ).where(chosen),
        )
    )
    if event:
        session.execute(
            insert(AlertEvent).from_select(
                ["alert_id", "kind", "recipient_ids", "created_at"],
                select(Alert.id, literal(event), Alert.recipient_ids, literal(now)).where(chosen),
            )
        )


def _open(
    session: Session, rule: AlertRule, spec: RuleSpec, now: datetime, where: list[ColumnElement[bool]]
) -> list[int]:
    sql = kind_sql(spec, now)
    details = func.jsonb_build_object(*[x for k, v in sql.details.items() for x in (literal(k), v)])
    unresolved = exists().where(
        Alert.rule_id == rule.id, Alert.account_id == Account.id, Alert.state.in_(UNRESOLVED)
    )
    cooling = exists().where(
        Alert.rule_id == rule.id,
        Alert.account_id == Account.id,
        Alert.state == "resolved",
        Alert.resolved_at > now - timedelta(hours=spec.cooldown_hours),
    )
    candidates = (
        select(
            literal(rule.id, BigInteger),
            Account.id,
            literal("open"),
            literal(spec.severity),
            literal(spec.name),
            details if sql.details else func.jsonb_build_object(),
            recipients_sql(spec.routing),
            literal(now),
        )
        .select_from(health_join())
        .where(*where, sql.opens, ~unresolved, ~cooling)
    )
    stmt = (
        pg_insert(Alert)
        .from_select(
            ["rule_id", "account_id", "state", "severity", "title", "details", "recipient_ids", "opened_at"],
            candidates,
        )
        .on_conflict_do_nothing()
        .returning(Alert.id)
    )
    ids = list(session.scalars(stmt))
    _record(session, ids, "open", None, f"{spec.name}: condition met", now, "opened")
    return ids


def _resolve(
    session: Session,
    rule: AlertRule,
    spec: RuleSpec,
    now: datetime,
    where: list[ColumnElement[bool]],
    account_ids: Sequence[int] | None,
) -> list[int]:
    sql = kind_sql(spec, now)
    still = select(Account.id).select_from(health_join()).where(*where, sql.holds)
    stmt = select(Alert.id, Alert.state).where(
        Alert.rule_id == rule.id, Alert.state.in_(UNRESOLVED), Alert.account_id.not_in(still)
    )
    if account_ids is not None:
        stmt = stmt.where(Alert.account_id.in_(list(account_ids)))
    found = session.execute(stmt.with_for_update()).all()
    if not found:
        return []
    ids = [row.id for row in found]
    reason = f"resolved automatically: {spec.name} no longer holds"
    for state in {row.state for row in found}:
        _record(
            session, [row.id for row in found if row.state == state], "resolved", state, reason, now, None
        )
    session.execute(
        update(Alert).where(Alert.id.in_(ids)).values(state="resolved", resolved_at=now, resolution=reason)
    )
    _record_events(session, ids, "resolved", now)
    return ids


def _record_events(session: Session, ids: Sequence[int], kind: str, now: datetime) -> None:
    if ids:
        session.execute(
            insert(AlertEvent).from_select(
                ["alert_id", "kind", "recipient_ids", "created_at"],
                select(Alert.id, literal(kind), Alert.recipient_ids, literal(now)).where(
                    Alert.id.in_(list(ids))
                ),
            )
        )


def wake_snoozed(session: Session, now: datetime) -> list[int]:
    """Snoozed alerts whose date has come are open again (and their people told)."""
    ids = list(
        session.scalars(
            update(Alert)
            .where(Alert.state == "snoozed", Alert.snoozed_until <= now)
            .values(state="open", snoozed_until=None)
            .returning(Alert.id)
        )
    )
    _record(session, ids, "open", "snoozed", "the snooze ended", now, "reopened")
    return ids


def evaluate(
    session: Session,
    now: datetime,
    *,
    rule_ids: Sequence[int] | None = None,
    kinds: Sequence[str] | None = None,
    account_ids: Sequence[int] | None = None,
) -> Outcome:
    """Run the enabled rules (or those named) at `now`. `account_ids` limits the work to some accounts
    (an ingested event); otherwise the whole book."""
    outcome = Outcome()
    outcome.reopened = wake_snoozed(session, now)
    stmt = select(AlertRule).where(AlertRule.enabled).order_by(AlertRule.id)
    if rule_ids is not None:
        stmt = stmt.where(AlertRule.id.in_(list(rule_ids)))
    if kinds is not None:
        stmt = stmt.where(AlertRule.kind.in_(list(kinds)))
    for rule in session.scalars(stmt).all():
        try:
            spec = spec_of(rule)
        except ValidationError as exc:
            outcome.skipped[rule.id] = str(exc.errors()[0]["msg"])
            continue
        where = scope_conditions(spec, now, rule.created_by_id)
        if account_ids is not None:
            where.append(Account.id.in_(list(account_ids)))
        opened = _open(session, rule, spec, now, where)
        resolved = _resolve(session, rule, spec, now, where, account_ids)
        outcome.opened += opened
        outcome.resolved += resolved
        outcome.per_rule[rule.id] = {"opened": len(opened), "resolved": len(resolved)}
    return outcome
