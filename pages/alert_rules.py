"""Alert rules: each rule with what it watches, its effective escalation policy, and whether it is worth its
noise (alerts per week, share acknowledged, median time to acknowledge, share followed by churn within 90
days against the base rate)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashapp.alerts.queries import rule_escalations
from dashapp.alerts.stats import HORIZON_DAYS, RuleNoise, rule_noise
from dashapp.extensions import db_session

PAGE = "/alerts/rules"
# Reached from the Alerts page (not the Admin menu: every role may read the rules).
dash.register_page(__name__, path=PAGE, name="Alert rules", title="Alert rules · healthdash")
NONE = "\u2013"


def _pct(value: float | None) -> str:
    return NONE if value is None else f"{value:.0%}"


def _escalation(policy: tuple[str, bool] | None) -> Any:
    if policy is None:
        return NONE
    words, by_default = policy
    return [words, html.Span(" (severity default)", className="text-muted")] if by_default else words


def _row(r: RuleNoise, policy: tuple[str, bool] | None) -> html.Tr:
    lift = NONE
    if r.churned_share is not None and r.base_rate:
        lift = f"{r.churned_share / r.base_rate:.1f}x"
    return html.Tr(
        [
            html.Td(r.name),
            html.Td(r.kind),
            html.Td("on" if r.enabled else "off"),
            html.Td(_escalation(policy), className="rule-escalation"),
            html.Td(f"{r.alerts:,}"),
            html.Td(f"{r.per_week:.1f}"),
            html.Td(_pct(r.acknowledged_share)),
            html.Td(NONE if r.median_hours_to_ack is None else f"{r.median_hours_to_ack:.1f} h"),
            html.Td(_pct(r.churned_share)),
            html.Td(lift),
        ],
        className="rule-row",
    )


def layout(**_query: Any) -> html.Div:
    session = db_session()
    rows = rule_noise(session, datetime.now(UTC))
    policies = rule_escalations(session)
    base = rows[0].base_rate if rows else None
    head = html.Thead(
        html.Tr([html.Th(h) for h in ("Rule", "Kind", "Enabled", "Escalation", "Alerts", "Per week",
                                       "Acknowledged", "Median to ack", f"Churned ≤{HORIZON_DAYS} d",
                                       "vs base rate")])
    )  # fmt: skip
    return html.Div(
        [
            html.H1("Alert rules", className="page-title"),
            html.P(
                f"Is each rule worth its noise? Base rate: {_pct(base)} of accounts churn within {HORIZON_DAYS} "
                "days. Unacknowledged alerts escalate to the owner's manager, then the admins, after the "
                "hours shown. Edit rules through the API (/api/v1/alert-rules).",
                className="page-subtitle mb-2",
            ),
            dbc.Table(
                [head, html.Tbody([_row(r, policies.get(r.rule_id)) for r in rows])],
                hover=True,
                size="sm",
                responsive=True,
                id="rules-table",
            ),
        ]
    )
