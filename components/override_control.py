"""The manual override control on an account: what is in force (who, when, why, until when) beside the
computed score, and, for roles that may override, a form to set or clear one. No database access: the
caller passes an `OverrideState` (see `dashapp.ui.override.override_state`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.a11y import select

NONE = "\u2013"


@dataclass(frozen=True)
class OverrideState:
    account_id: int
    shown_score: float | None
    shown_band: str | None
    computed_score: float | None
    computed_band: str | None
    bands: list[str]
    score: float | None = None  # the override in force, if any
    band: str | None = None
    reason: str = ""
    expires_on: date | None = None
    set_by: str = ""
    set_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.expires_on is not None


def _score(score: float | None, band: str | None) -> str:
    return NONE if score is None else f"{score:.0f} ({band})" if band else f"{score:.0f}"


def _status(state: OverrideState) -> html.Div:
    computed = _score(state.computed_score, state.computed_band)
    if not state.active:
        return html.Div(
            [
                html.P("No override: the score shown is the computed one.", className="mb-1"),
                html.Div(f"Computed: {computed}", className="small text-body-secondary"),
            ],
            id="override-status",
        )
    forced = " and ".join(
        part
        for part in (
            f"score {state.score:.0f}" if state.score is not None else "",
            f"band {state.band}" if state.band else "",
        )
        if part
    )
    when = f"{state.set_at:%d %b %Y %H:%M} UTC" if state.set_at else "earlier"
    return html.Div(
        [
            html.Div(
                [dbc.Badge("Overridden", color="warning", className="me-2 text-dark"), f"Set to {forced}"],
                className="mb-1 fw-semibold",
            ),
            html.Div(f"Shown: {_score(state.shown_score, state.shown_band)} · computed: {computed}"),
            html.Div(f"By {state.set_by or 'the system'} on {when}", id="override-who"),
            html.Div(["Why: ", html.Q(state.reason)], id="override-why"),
            html.Div(
                f"Until {state.expires_on:%d %b %Y} (not included). Recomputes keep it until then or until it is "
                "cleared; the computed score stays visible beside it.",
                className="small text-body-secondary",
            ),
        ],
        id="override-status",
    )


def _form(state: OverrideState, today: date) -> html.Div:
    return html.Div(
        [
            html.Hr(),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("Score (0-100)", html_for="override-score", className="small mb-0"),
                            dbc.Input(id="override-score", type="number", min=0, max=100, step=1, size="sm"),
                        ],
                        xs=6,
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Band", html_for="override-band", className="small mb-0"),
                            select(
                                id="override-band",
                                options=[{"label": "(from the score)", "value": ""}]
                                + [{"label": b, "value": b} for b in state.bands],
                                value="",
                                size="sm",
                            ),
                        ],
                        xs=6,
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Until", html_for="override-expires", className="small mb-0"),
                            dbc.Input(
                                id="override-expires",
                                type="date",
                                value=(today + timedelta(days=30)).isoformat(),
                                min=(today + timedelta(days=1)).isoformat(),
                                size="sm",
                            ),
                        ],
                        xs=12,
                        md=6,
                    ),
                ],
                className="g-2 mb-2",
            ),
            dbc.Textarea(
                id="override-reason",
                placeholder="Why (kept with the override and in the audit log)",
                rows=2,
                maxLength=2000,
                className="mb-2",
            ),
            dbc.Button("Set override", id="override-set", color="warning", size="sm", className="me-2"),
            dbc.Button(
                "Clear override",
                id="override-clear",
                color="secondary",
                outline=True,
                size="sm",
                disabled=not state.active,
            ),
        ],
        id="override-form",
    )


def make_override_control(
    state: OverrideState | None, *, can_edit: bool, today: date, message: Any = None
) -> html.Div | html.P:
    """The panel's contents; `state` None means the account has no score yet."""
    if state is None:
        return html.P("No score yet, so nothing to override.", className="text-body-secondary mb-0")
    return html.Div(
        [
            _status(state),
            _form(state, today) if can_edit else None,
            html.Div(message, id="override-result", className="mt-2"),
            dcc.Store(id="override-account", data=state.account_id),
        ]
    )
