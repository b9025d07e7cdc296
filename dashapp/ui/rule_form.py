"""The alert rule form as data: a rule (or the defaults) as form values, the form's values back into the
dict `RuleSpec` validates, each kind's parameter fields read off its pydantic model, and saving through
`dashapp.alerts.rule_service`. Validation is `RuleSpec`'s, exactly as the API's; this module only moves
values and names the fields the way the form shows them."""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from dashapp.alerts.evaluate import spec_of
from dashapp.alerts.rule_service import RuleError, create_rule, replace_rule
from dashapp.alerts.rules import CHANNELS, KINDS, MAX_ESCALATION_STEPS, PARAMS, RuleSpec
from dashapp.field_errors import field_errors
from dashapp.notify.escalation import TARGETS
from dashapp.ownership import possible_owners
from dashapp.tasks.playbooks import list_playbooks
from models.alert import SEVERITIES, AlertRule
from models.user import ROLES

LABELS = {
    "name": "Name",
    "kind": "Kind",
    "params": "Parameters",
    "scope": "Scope",
    "severity": "Severity",
    "routing": "Routing",
    "channels": "Channels",
    "cooldown_hours": "Cooldown (hours)",
    "escalation": "Escalation",
    "playbook_id": "Playbook",
    "enabled": "Enabled",
}
ESCALATION_MODES = (("default", "The severity's default"), ("never", "Never"), ("custom", "These steps"))


@dataclass(frozen=True)
class ParamField:
    """One parameter of a rule kind, as the form shows it."""

    name: str
    label: str
    kind: str  # number | choice | text
    choices: tuple[str, ...]
    value: Any
    help: str


def param_fields(kind: str, values: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The kind's parameters, read off its model: numbers, choices (Literal) or text; `values` fill them.
    Plain dicts (a `ParamField` each), for `components.rule_editor`."""
    model = PARAMS.get(kind)
    if model is None:
        return []
    out = []
    for name, info in model.model_fields.items():
        choices = (
            typing.get_args(info.annotation) if typing.get_origin(info.annotation) is typing.Literal else ()
        )
        base = typing.get_args(info.annotation)[0] if typing.get_args(info.annotation) else info.annotation
        kind_of = "choice" if choices else "number" if base in (int, float) else "text"
        default = None if info.is_required() else info.default
        value = (values or {}).get(name, default)
        label = name.replace("_", " ").capitalize()
        field = ParamField(
            name, label, kind_of, tuple(str(c) for c in choices), value, info.description or ""
        )
        out.append(asdict(field))
    return out


def form_values(rule: AlertRule | None) -> dict[str, Any]:
    """The form's fields for `rule`, or for a new rule (the spec's defaults)."""
    spec = spec_of(rule) if rule is not None else None
    routing = [r.model_dump() for r in spec.routing] if spec else [{"to": "owner"}]
    escalation = list(spec.escalation or []) if spec and spec.escalation is not None else []
    mode = "default" if spec is None or spec.escalation is None else "custom" if escalation else "never"
    return {
        "rule_id": rule.id if rule is not None else None,
        "name": spec.name if spec else "",
        "kind": spec.kind if spec else "score_below",
        "params": dict(spec.params) if spec else {},
        "scope": spec.scope if spec else "",
        "severity": spec.severity if spec else "warning",
        "route_to": [r["to"] for r in routing if r["to"] in ("owner", "manager")],
        "route_roles": [r["role"] for r in routing if r["to"] == "role"],
        "route_user": next((str(r["user_id"]) for r in routing if r["to"] == "user"), ""),
        "channels": list(spec.channels) if spec else ["in_app"],
        "cooldown_hours": spec.cooldown_hours if spec else 24,
        "escalation_mode": mode,
        "steps": [(s.after_hours, s.target) for s in escalation],
        "playbook_id": str(spec.playbook_id) if spec and spec.playbook_id else "",
        "enabled": spec.enabled if spec else True,
    }


def _int_or_text(value: Any) -> Any:
    """A select's value: its id as a number when it is one (the validator names anything else)."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    return int(text) if text.isdigit() else text


def spec_data(form: Mapping[str, Any], params: Mapping[str, Any], steps: Sequence[tuple[Any, Any]]) -> dict:
    """The form's values as the dict `RuleSpec` validates (nothing checked here)."""
    routing: list[dict[str, Any]] = [{"to": t} for t in form.get("route_to") or []]
    routing += [{"to": "role", "role": r} for r in form.get("route_roles") or []]
    if form.get("route_user"):
        routing.append({"to": "user", "user_id": _int_or_text(form["route_user"])})
    mode = form.get("escalation_mode") or "default"
    escalation = None
    if mode == "never":
        escalation = []
    elif mode == "custom":
        escalation = [{"after_hours": h, "target": t} for h, t in steps if h not in (None, "")]
    return {
        "name": form.get("name") or "",
        "kind": form.get("kind"),
        "params": {k: v for k, v in params.items() if v not in (None, "")},
        "scope": form.get("scope") or "",
        "severity": form.get("severity"),
        "routing": routing,
        "channels": list(form.get("channels") or []),
        "cooldown_hours": form.get("cooldown_hours"),
        "escalation": escalation,
        "playbook_id": _int_or_text(form.get("playbook_id")),
        "enabled": bool(form.get("enabled")),
    }


def label(name: str) -> str:
    """A field's dotted name as the form shows it: 'Escalation step 2 hours (escalation.1.after_hours)'."""
    parts = name.split(".")
    if parts[0] == "params" and len(parts) > 1:
        words = f"{parts[1].replace('_', ' ').capitalize()} (parameter)"
    elif parts[0] == "escalation" and len(parts) > 1 and parts[1].isdigit():
        words = f"Escalation step {int(parts[1]) + 1}"
    else:
        words = LABELS.get(parts[0], parts[0])
    return f"{words} ({name})"


@dataclass(frozen=True)
class Saved:
    rule: AlertRule | None
    errors: list[str]


def save(session: Session, data: Mapping[str, Any], rule: AlertRule | None, actor_id: int | None) -> Saved:
    """Validate with `RuleSpec` and save through the rule service (flushed, not committed); on any error
    nothing is saved and each error names its field."""
    try:
        spec = RuleSpec.model_validate(data)
    except ValidationError as exc:
        return Saved(None, [f"{label(e['name'])}: {e['message']}" for e in field_errors(exc)])
    try:
        saved = (
            replace_rule(session, rule, spec) if rule is not None else create_rule(session, spec, actor_id)
        )
    except RuleError as exc:
        return Saved(None, [f"{label(exc.field)}: {exc}"])
    return Saved(saved, [])


def form_options(session: Session) -> dict[str, Any]:
    """The choices the form offers (keyword arguments of `components.rule_editor.make_rule_form`)."""
    return {
        "kinds": [(k, k.replace("_", " ").capitalize()) for k in KINDS],
        "severities": [(s, s) for s in SEVERITIES],
        "roles": [(r, r) for r in ROLES],
        "users": [(str(u.id), u.display_name) for u in possible_owners(session)],
        "channels": [(c, c.replace("_", "-")) for c in CHANNELS],
        "playbooks": [(str(p.id), p.name) for p in list_playbooks(session)],
        "escalation_modes": list(ESCALATION_MODES),
        "targets": [(t, t) for t in TARGETS],
        "max_steps": MAX_ESCALATION_STEPS,
    }
