"""Request and response shapes of `/alert-rules` and `/alerts` (the OpenAPI document is built from them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from dashapp.alerts.lifecycle import MAX_BULK, MAX_REASON
from dashapp.alerts.queries import MAX_LIMIT
from dashapp.alerts.rules import EscalationStepSpec, Route
from dashapp.api.http import MAX_ID
from dashapp.api.schemas import Strict

State = Literal["open", "acknowledged", "snoozed", "resolved"]
Severity = Literal["info", "warning", "critical"]


class AlertRuleOut(Strict):
    id: int
    name: str
    kind: str
    params: dict[str, Any]
    scope: str
    severity: Severity
    routing: list[Route]
    channels: list[str]
    cooldown_hours: int
    escalation: list[EscalationStepSpec] | None = Field(
        description="The rule's own escalation steps; null = its severity's default."
    )
    effective_escalation: list[EscalationStepSpec] = Field(
        description="The steps its unacknowledged alerts go through (its own, or the severity's default)."
    )
    enabled: bool
    is_default: bool
    playbook_id: int | None
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime


class AlertRuleList(Strict):
    data: list[AlertRuleOut]


class AlertListQuery(Strict):
    state: State | None = Field(None, description="Only alerts in this state.")
    severity: Severity | None = None
    rule_id: int | None = Field(None, ge=1, le=MAX_ID)
    account: str | None = Field(None, min_length=1, max_length=255, description="Account external id.")
    mine: bool = Field(False, description="Routed to me, or on an account I own.")
    team: bool = Field(False, description="On an account my team owns (my reports and me).")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


class AlertAccount(Strict):
    external_id: str
    name: str


class AlertOut(Strict):
    id: int
    rule_id: int
    rule_name: str
    kind: str
    account: AlertAccount
    owner_id: int | None
    state: State
    severity: Severity
    title: str
    details: dict[str, Any]
    recipient_ids: list[int]
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    snoozed_until: datetime | None
    snooze_reason: str | None
    resolved_at: datetime | None
    resolved_by_id: int | None
    resolution: str | None


class AlertChangeOut(Strict):
    from_state: str | None
    to_state: str
    actor_id: int | None
    actor: str
    reason: str
    at: datetime


class AlertEscalationOut(Strict):
    step: int
    target: Literal["manager", "admins"]
    user_ids: list[int]
    to: list[str] = Field(description="The recipients' email addresses.")
    at: datetime


class AlertDetail(AlertOut):
    changes: list[AlertChangeOut]
    escalations: list[AlertEscalationOut]


class AlertPage(Strict):
    data: list[AlertOut]
    total: int
    limit: int
    offset: int


class AlertAction(Strict):
    """Acknowledge, snooze or resolve alerts: all of them, or none when one cannot be."""

    action: Literal["acknowledge", "snooze", "resolve"]
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=MAX_BULK)
    until: AwareDatetime | None = Field(None, description="When a snooze ends (with a time zone).")
    reason: str = Field("", max_length=MAX_REASON)


class SnoozeBody(Strict):
    until: AwareDatetime = Field(description="When the snooze ends (with a time zone).")
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class ReasonBody(Strict):
    reason: str = Field("", max_length=MAX_REASON)


class AlertActionResult(Strict):
    action: str
    changed: list[int]
    unchanged: list[int]
