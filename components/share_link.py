"""A new share link as the user sees it once: the address, a Copy button and where "Copied" is said."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.a11y import hidden_label

# How long a new share link works (days), as offered on the Views page and after saving a view.
EXPIRY_CHOICES: Sequence[tuple[str, str]] = (
    ("7 days", "7"),
    ("30 days", "30"),
    ("90 days", "90"),
    ("365 days", "365"),
)
DEFAULT_EXPIRY = "30"


def make_expiry_select(id: str) -> list[Any]:
    """The expiry choice and its screen-reader label."""
    return [
        hidden_label("Link expiry", id),
        dbc.Select(
            id=id,
            options=[{"label": f"Expires in {label}", "value": value} for label, value in EXPIRY_CHOICES],
            value=DEFAULT_EXPIRY,
            size="sm",
        ),
    ]


def make_share_link(url: str, expires: str) -> dbc.Alert:
    """The link just created, with a Copy button (the shell's clipboard callback answers in `share-copied`)."""
    return dbc.Alert(
        [
            html.Div(f"Share link created; it works until {expires}. Copy it now: it is shown only once."),
            hidden_label("Share link", "share-url"),
            dbc.InputGroup(
                [
                    dbc.Input(value=url, readonly=True, id="share-url"),
                    dbc.Button("Copy", id="share-copy", color="primary", n_clicks=0),
                ],
                size="sm",
                className="mt-2",
            ),
            html.Div(id="share-copied", role="status", className="small mt-1"),
        ],
        color="success",
        id="share-created",
        className="mb-0",
    )
