"""Alert rules as validated values: the kinds, each kind's parameters, scope, severity, routing, channels,
escalation.

`RuleSpec` is what the API, the CLI and the rules page accept; a bad value raises pydantic's
`ValidationError`, whose locations name the field (`params.points`, `scope`, `routing.0.user_id`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dashapp.filters import Filters, parse
from models.alert import SEVERITIES
from models.user import ROLES

CHANNELS = ("in_app", "email", "slack", "sms", "webhook")
Days = Annotated[int, Field(ge=1, le=365)]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoreBelow(_Params):
    threshold: float = Field(gt=0, le=100, description="open while the score is below this")


class BandChanged(_Params):
    to: Literal["red", "yellow", "green"]
    within_days: Days = Field(default=7, description="entered the band at most this many days ago")


class ScoreDrop(_Params):
    points: float = Field(gt=0, le=100)
    days: Days = 7


class ChurnProbability(_Params):
    probability: float = Field(gt=0, le=1)


class PaymentFailed(_Params):
    within_days: Days = Field(
        default=7, description="a failed payment this recent, on an invoice still unpaid"
    )


class InvoiceOverdue(_Params):
    days: Days = 14


class UrgentTicket(_Params):
    pass


class TicketVolume(_Params):
    count: int = Field(ge=1, le=10_000)
    days: Days = 30


class UsageDrop(_Params):
    percent: float = Field(gt=0, le=100)
    days: Days = 30


class NpsDetractor(_Params):
    within_days: Days = 30


class RenewalNotGreen(_Params):
    days: Days = 60


class NoLogin(_Params):
    days: Days = 14


class EntersView(_Params):
    query: str = Field(max_length=4000, description="a filter-model query string, e.g. band=red&segment=smb")

    @field_validator("query")
    @classmethod
    def _valid_filters(cls, value: str) -> str:
        filters, errors = parse(value)
        if errors:
            raise ValueError("; ".join(errors))
        if filters.is_empty():
            raise ValueError("the expression matches every active account; narrow it")
        return value


PARAMS: dict[str, type[_Params]] = {
    "score_below": ScoreBelow,
    "band_changed": BandChanged,
    "score_drop": ScoreDrop,
    "churn_probability": ChurnProbability,
    "payment_failed": PaymentFailed,
    "invoice_overdue": InvoiceOverdue,
    "urgent_ticket": UrgentTicket,
    "ticket_volume": TicketVolume,
    "usage_drop": UsageDrop,
    "nps_detractor": NpsDetractor,
    "renewal_not_green": RenewalNotGreen,
    "no_login": NoLogin,
    "enters_view": EntersView,
}
KINDS = tuple(PARAMS)
RuleKind = Literal[
    "score_below",
    "band_changed",
    "score_drop",
    "churn_probability",
    "payment_failed",
    "invoice_overdue",
    "urgent_ticket",
    "ticket_volume",
    "usage_drop",
    "nps_detractor",
    "renewal_not_green",
    "no_login",
    "enters_view",
]
# Kinds an ingested event can trigger (evaluated at once, not only after the next recompute).
EVENT_KINDS = {"payment": ("payment_failed", "invoice_overdue"), "ticket": ("urgent_ticket", "ticket_volume")}


class Route(BaseModel):
    """Who hears of an alert: the account's owner, the owner's manager, one user, or everyone with a role."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    to: Literal["owner", "manager", "user", "role"]
    user_id: int | None = Field(default=None, ge=1)
    role: Literal["admin", "manager", "csm", "viewer"] | None = None

    @model_validator(mode="after")
    def _target(self) -> Route:
        if self.to == "user" and self.user_id is None:
            raise ValueError("user_id is required when to is 'user'")
        if self.to == "role" and self.role is None:
            raise ValueError(f"role ({', '.join(ROLES)}) is required when to is 'role'")
        if self.to != "user" and self.user_id is not None:
            raise ValueError("user_id is only for to='user'")
        if self.to != "role" and self.role is not None:
            raise ValueError("role is only for to='role'")
        return self


class EscalationStepSpec(BaseModel):
    """One escalation step: an alert still unacknowledged `after_hours` goes to the `target`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    after_hours: float = Field(gt=0, le=24 * 365, description="hours unacknowledged before this step")
    target: Literal["manager", "admins"] = Field(
        description="the account owner's manager (the admins when there is none), or every admin"
    )


MAX_ESCALATION_STEPS = 5
# A rule without its own policy (escalation null) escalates by its severity: critical alerts reach the
# owner's manager after 4 hours and the admins after a day; warnings the manager after a day and the admins
# after three; info alerts never escalate.
DEFAULT_ESCALATION: dict[str, tuple[EscalationStepSpec, ...]] = {
    "critical": (
        EscalationStepSpec(after_hours=4, target="manager"),
        EscalationStepSpec(after_hours=24, target="admins"),
    ),
    "warning": (
        EscalationStepSpec(after_hours=24, target="manager"),
        EscalationStepSpec(after_hours=72, target="admins"),
    ),
    "info": (),
}


def effective_escalation(
    severity: str, escalation: list[dict[str, Any]] | list[EscalationStepSpec] | None
) -> tuple[EscalationStepSpec, ...]:
    """The steps an alert of this rule goes through: the rule's own, or its severity's default."""
    if escalation is None:
        return DEFAULT_ESCALATION.get(severity, ())
    return tuple(EscalationStepSpec.model_validate(s) for s in escalation)


def describe_escalation(steps: tuple[EscalationStepSpec, ...]) -> str:
    """'manager after 4 h, admins after 24 h' (or 'never')."""
    if not steps:
        return "never"
    return ", ".join(f"{s.target} after {s.after_hours:g} h" for s in steps)


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # At least one visible character, and no NUL (PostgreSQL cannot store it).
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00]*[^\s\x00][^\x00]*$")
    kind: RuleKind
    params: dict[str, Any] = Field(default_factory=dict)
    scope: str = Field(
        default="", max_length=4000, description="filter-model query string; empty = all active"
    )
    severity: Literal["info", "warning", "critical"] = "warning"
    routing: list[Route] = Field(default_factory=lambda: [Route(to="owner")], min_length=1, max_length=20)
    channels: list[Literal["in_app", "email", "slack", "sms", "webhook"]] = Field(
        default_factory=lambda: ["in_app"], min_length=1, max_length=len(CHANNELS)
    )
    cooldown_hours: int = Field(default=24, ge=0, le=24 * 365)
    escalation: list[EscalationStepSpec] | None = Field(
        default=None,
        max_length=MAX_ESCALATION_STEPS,
        description="steps for unacknowledged alerts, later each; null = the severity's default "
        "(critical: manager 4 h, admins 24 h; warning: manager 24 h, admins 72 h; info: none); "
        "[] = never escalate",
    )
    enabled: bool = True
    playbook_id: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="a playbook whose steps become tasks for the account owner when an alert opens",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("the name is blank")
        return value

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        _filters, errors = parse(value)
        if errors:
            raise ValueError("; ".join(errors))
        return value.strip().lstrip("?")

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("escalation")
    @classmethod
    def _later_each(cls, value: list[EscalationStepSpec] | None) -> list[EscalationStepSpec] | None:
        for i, (before, step) in enumerate(zip(value or [], (value or [])[1:], strict=False), start=1):
            if step.after_hours <= before.after_hours:
                raise ValueError(
                    f"escalation.{i}.after_hours: each step must come later than the one before "
                    f"({step.after_hours:g} h is not after {before.after_hours:g} h)"
                )
        return value

    def effective_escalation(self) -> tuple[EscalationStepSpec, ...]:
        return effective_escalation(self.severity, self.escalation)

    @model_validator(mode="after")
    def _params_for_kind(self) -> RuleSpec:
        try:
            checked = PARAMS[self.kind].model_validate(self.params)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"params{'.' + where if where else ''}: {first['msg']}") from None
        object.__setattr__(self, "params", checked.model_dump())
        return self

    def typed_params(self) -> _Params:
        return PARAMS[self.kind].model_validate(self.params)

    def scope_filters(self) -> Filters:
        return parse(self.scope)[0]


assert set(SEVERITIES) == {"info", "warning", "critical"}
assert set(KINDS) == set(RuleKind.__args__)  # type: ignore[attr-defined]
