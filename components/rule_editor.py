"""The alert rule form: every field of a rule (kind with its parameters, scope, severity, routing,
channels, cooldown, escalation steps, playbook, enabled) from plain values. Ids start with `rule-`;
parameters and escalation steps are pattern-matching ids. No database access, no callbacks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.a11y import dom_id, select

Options = Sequence[tuple[str, str]]  # (value, label)


def _options(choices: Options) -> list[dict[str, str]]:
    return [{"label": text, "value": value} for value, text in choices]


def _field(label: str, control: Any, control_id: Any, help_text: str = "", md: int = 6) -> dbc.Col:
    parts = [dbc.Label(label, html_for=dom_id(control_id), className="small mb-1"), control]
    if help_text:
        parts.append(dbc.FormText(help_text))
    return dbc.Col(parts, md=md, className="mb-2")


def _group(legend: str, control: Any, md: int = 6) -> dbc.Col:
    """Checkboxes or radios under one visible name (a fieldset with its legend)."""
    return dbc.Col(
        html.Fieldset([html.Legend(legend, className="small mb-1 fs-6"), control]), md=md, className="mb-2"
    )


def make_param_fields(fields: Sequence[Mapping[str, Any]]) -> list[Any]:
    """One control per parameter of the chosen kind (`dashapp.ui.rule_form.param_fields`)."""
    if not fields:
        return [html.P("This kind takes no parameters.", className="small text-body-secondary mb-2")]
    cols = []
    for f in fields:
        cid = {"type": "rule-param", "name": f["name"]}
        if f["kind"] == "choice":
            control: Any = select(
                id=cid, options=_options([(c, c) for c in f["choices"]]), value=f["value"], size="sm"
            )
        elif f["kind"] == "number":
            control = dbc.Input(id=cid, type="number", value=f["value"], size="sm", step="any")
        else:
            control = dbc.Input(id=cid, type="text", value=f["value"] or "", size="sm")
        cols.append(_field(f["label"], control, cid, f["help"], md=4))
    return [dbc.Row(cols, className="g-2")]


def _steps(steps: Sequence[tuple[Any, Any]], max_steps: int, targets: Options) -> html.Div:
    rows = []
    for i in range(max_steps):
        hours, target = steps[i] if i < len(steps) else (None, "manager")
        hid, tid = {"type": "rule-step-hours", "i": i}, {"type": "rule-step-target", "i": i}
        rows.append(
            dbc.Row(
                [
                    _field(
                        f"Step {i + 1}: after (hours)",
                        dbc.Input(id=hid, type="number", value=hours, size="sm", step="any"),
                        hid,
                        md=4,
                    ),
                    _field(
                        f"Step {i + 1}: to",
                        select(id=tid, options=_options(targets), value=target, size="sm"),
                        tid,
                        md=4,
                    ),
                ],
                className="g-2",
            )
        )
    return html.Div(rows, className="small")


def make_rule_form(
    values: Mapping[str, Any],
    params: Sequence[Mapping[str, Any]],
    *,
    kinds: Options,
    severities: Options,
    roles: Options,
    users: Options,
    channels: Options,
    playbooks: Options,
    escalation_modes: Options,
    targets: Options,
    max_steps: int,
) -> html.Div:
    """The whole form filled with `values` (`dashapp.ui.rule_form.form_values`)."""
    title = "Edit rule" if values.get("rule_id") else "New rule"
    return html.Div(
        [
            html.H2(title, className="h5", id="rule-form-title"),
            dbc.Row(
                [
                    _field(
                        "Name",
                        dbc.Input(id="rule-name", value=values["name"], size="sm", maxLength=200),
                        "rule-name",
                    ),
                    _field(
                        "Kind",
                        select(id="rule-kind", options=_options(kinds), value=values["kind"], size="sm"),
                        "rule-kind",
                        md=3,
                    ),
                    _field(
                        "Severity",
                        select(
                            id="rule-severity",
                            options=_options(severities),
                            value=values["severity"],
                            size="sm",
                        ),
                        "rule-severity",
                        md=3,
                    ),
                ],
                className="g-2",
            ),
            html.Div(make_param_fields(params), id="rule-params"),
            dbc.Row(
                [
                    _field(
                        "Scope",
                        dbc.Input(id="rule-scope", value=values["scope"], size="sm"),
                        "rule-scope",
                        "Which accounts: a filter query such as segment=enterprise&band=red; empty = all active",
                    ),
                    _field(
                        "Cooldown (hours)",
                        dbc.Input(
                            id="rule-cooldown", type="number", size="sm", value=values["cooldown_hours"]
                        ),
                        "rule-cooldown",
                        "After an alert resolves, how long before the rule may open another",
                        md=3,
                    ),
                    _field(
                        "Playbook",
                        select(
                            id="rule-playbook",
                            size="sm",
                            value=values["playbook_id"],
                            options=_options([("", "None"), *playbooks]),
                        ),
                        "rule-playbook",
                        md=3,
                    ),
                ],
                className="g-2",
            ),
            dbc.Row(
                [
                    _group(
                        "Route to",
                        dbc.Checklist(
                            id="rule-route-to",
                            value=values["route_to"],
                            inline=True,
                            options=_options([("owner", "Account owner"), ("manager", "Owner's manager")]),
                        ),
                        md=4,
                    ),
                    _group(
                        "and everyone with the role",
                        dbc.Checklist(
                            id="rule-route-roles",
                            inline=True,
                            options=_options(roles),
                            value=values["route_roles"],
                        ),
                        md=4,
                    ),
                    _field(
                        "and this person",
                        select(
                            id="rule-route-user",
                            size="sm",
                            value=values["route_user"],
                            options=_options([("", "Nobody else"), *users]),
                        ),
                        "rule-route-user",
                        md=4,
                    ),
                ],
                className="g-2",
            ),
            dbc.Row(
                [
                    _group(
                        "Channels",
                        dbc.Checklist(
                            id="rule-channels",
                            options=_options(channels),
                            inline=True,
                            value=values["channels"],
                        ),
                        md=6,
                    ),
                    _group(
                        "Escalation when nobody acknowledges",
                        dbc.RadioItems(
                            id="rule-escalation-mode",
                            options=_options(escalation_modes),
                            value=values["escalation_mode"],
                            inline=True,
                        ),
                        md=6,
                    ),
                ],
                className="g-2",
            ),
            _steps(values["steps"], max_steps, targets),
            dbc.Switch(id="rule-enabled", label="Enabled", value=values["enabled"], className="mb-2"),
            html.Div(
                [
                    dbc.Button("Save rule", id="rule-save", size="sm", color="primary", className="me-2"),
                    dbc.Button("Cancel", id="rule-cancel", size="sm", color="secondary", outline=True),
                ]
            ),
        ]
    )


def make_rule_errors(errors: Sequence[str]) -> Any:
    """The reasons nothing was saved, each naming its field."""
    if not errors:
        return None
    return dbc.Alert(
        [
            html.P("Nothing was saved:", className="mb-1"),
            html.Ul([html.Li(e) for e in errors], className="mb-0"),
        ],
        color="danger",
        className="small",
        id="rule-errors-list",
    )
