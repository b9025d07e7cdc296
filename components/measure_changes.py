"""The per-measure table behind "why it moved": value and contribution before and after."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

DASH = "\u2013"
ARROW = " \u2192 "


def _number(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.1f}"


def _points(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}"


def make_measure_changes_table(rows: Sequence[Mapping[str, Any]], since: date | None) -> Any:
    """One row per measure: value before -> after, contribution before -> after, and the effect cited in
    the explanation (blank for measures it does not name)."""
    if not rows:
        return html.P("No measure breakdown for this account yet.", className="text-body-secondary mb-0")
    if since is None:
        return html.P(
            "First health score for this account: nothing to compare with yet.",
            className="text-body-secondary mb-0",
            id="account-measure-changes",
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th("Measure"),
                html.Th(f"Value ({since:%d %b} \u2192 now)"),
                html.Th("Points (before \u2192 now)"),
                html.Th("Cited effect", className="text-end"),
            ]
        )
    )
    body = []
    for r in rows:
        before, after = r.get("contribution_before"), r.get("contribution_after")
        changed = before is not None and after is not None and abs(after - before) >= 0.05
        effect = r.get("effect")
        body.append(
            html.Tr(
                [
                    html.Td(r["label"]),
                    html.Td(_number(r.get("before")) + ARROW + _number(r.get("after"))),
                    html.Td(
                        _points(before) + ARROW + _points(after),
                        className="fw-semibold" if changed else "text-body-secondary",
                    ),
                    html.Td("" if effect is None else f"{effect:+.1f}", className="text-end"),
                ]
            )
        )
    return dbc.Table(
        [head, html.Tbody(body)], size="sm", responsive=True, className="mb-0", id="account-measure-changes"
    )
