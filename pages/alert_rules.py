"""Alert rules: each rule with what it watches and whether it is worth its noise (alerts per week, share
acknowledged, median time to acknowledge, share followed by churn within 90 days against the base rate)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashapp.alerts.stats import HORIZON_DAYS, RuleNoise, rule_noise
from dashapp.extensions import db_session

PAGE = "/alerts/rules"
# Reached from the Alerts page (not the Admin menu: every role may read the rules).
dash.register_page(__name__, path=PAGE, name="Alert rules", title="Alert rules · healthdash")
NONE = "\u2013"


def _pct(value: float | None) -> str:
    return NONE if value is None else f"{value:.0%}"


def _row(r: RuleNoise) -> html.Tr:
    lift = NONE
    if r.churned_share is not None and r.base_rate:
        lift = f"{r.churned_share / r.base_rate:.1f}x"
    return html.Tr(
        [
            html.Td(r.name),
            html.Td(r.kind),
            html.Td("on" if r.enabled else "off"),
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
    rows = rule_noise(db_session(), datetime.now(UTC))
    base = rows[0].base_rate if rows else None
    head = html.Thead(
        html.Tr([html.Th(h) for h in ("Rule", "Kind", "Enabled", "Alerts", "Per week", "Acknowledged",
                                       "Median to ack", f"Churned ≤{HORIZON_DAYS} d", "vs base rate")])
    )  # fmt: skip
    return html.Div(
        [
            html.H1("Alert rules", className="page-title"),
            html.P(
                f"Is each rule worth its noise? Base rate: {_pct(base)} of accounts churn within {HORIZON_DAYS} "
                "days. Edit rules through the API (/api/v1/alert-rules).",
                className="page-subtitle mb-2",
            ),
            dbc.Table([head, html.Tbody([_row(r) for r in rows])], hover=True, size="sm", id="rules-table"),
        ]
    )
