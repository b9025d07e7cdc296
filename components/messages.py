"""Messages in place of content: refusals, empty states, errors a user can act on.

(Named for what they are: "alerts" in this project are health alerts on accounts, see docs/glossary.md.)"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def make_forbidden(what: str) -> dbc.Alert:
    """The refusal shown instead of a page; `what` says the missing permission in words."""
    what = what.lower()
    return dbc.Alert(
        [
            html.H4("Not available for your role", className="alert-heading"),
            html.P(f"This page needs permission to {what}. Ask an admin if you need it."),
        ],
        color="warning",
        id="forbidden",
    )


def make_empty_state(title: str, hint: str, *, id: str | None = None) -> dbc.Alert:
    """What to show where there is no data yet, saying what to do about it."""
    return dbc.Alert(
        [html.H5(title, className="alert-heading"), html.P(hint, className="mb-0")],
        color="info",
        id=id or "empty-state",
    )


def make_fx_warnings(warnings: list[str] | tuple[str, ...], *, id: str) -> dbc.Alert | None:
    """Missing exchange rates behind the money figures on a page (None when there is nothing to say)."""
    if not warnings:
        return None
    return dbc.Alert(
        [html.Strong("Missing exchange rates. "), html.Ul([html.Li(w) for w in warnings], className="mb-0")],
        color="warning",
        id=id,
        className="mb-3",
    )
