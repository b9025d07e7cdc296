"""Shown for any address that is not a page."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

dash.register_page(__name__, path="/404", name="Not found", title="Not found · healthdash")


def layout(**_query: str) -> dbc.Alert:
    return dbc.Alert(
        [
            html.H4("Page not found", className="alert-heading"),
            html.P("There is no page at this address. It may have moved, or the link may be mistyped."),
            dbc.Button("Go to the overview", href="/", color="primary"),
        ],
        color="light",
        id="not-found",
    )
