"""KPI cards: a label, a big number and an optional note."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def make_kpi_card(label: str, value: str, note: str | None = None, *, id: str | None = None) -> dbc.Card:
    body = [
        html.Div(label, className="kpi-label text-body-secondary"),
        html.Div(value, className="kpi-value"),
    ]
    if note:
        body.append(html.Div(note, className="kpi-note small text-body-secondary"))
    return dbc.Card(dbc.CardBody(body), className="kpi-card h-100", id=id)
