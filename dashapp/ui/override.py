"""The override control's data and callbacks (the layout is `components.override_control`).

Setting and clearing go through `dashapp.scoring.service` (validated, audited, applied to the current
snapshot at once). Both callbacks need the `override_scores` permission: the guard refuses anyone else's
request before it runs, and the callback checks again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html
from dash.exceptions import PreventUpdate
from flask_login import current_user
from sqlalchemy import select

from components.override_control import OverrideState, make_override_control
from dashapp.auth import can, guarded_callback
from dashapp.cache import data_changed
from dashapp.extensions import db_session
from dashapp.scoring import engine, service
from models.health import AccountHealth
from models.user import User

PANEL = "override-panel"


def override_state(session: Any, account_id: int) -> OverrideState | None:
    health = session.get(AccountHealth, account_id)
    if health is None:
        return None
    state = OverrideState(
        account_id=account_id,
        shown_score=health.score,
        shown_band=health.band,
        computed_score=health.computed_score,
        computed_band=health.computed_band,
        bands=service.band_names_for(session, account_id),
    )
    override = service.active_override(session, account_id)
    if override is None:
        return state
    who = session.scalar(select(User.email).where(User.id == override.created_by_id))
    return OverrideState(
        **{
            **state.__dict__,
            "score": override.score,
            "band": override.band,
            "reason": override.reason,
            "expires_on": override.expires_on,
            "set_by": who or "",
            "set_at": override.created_at,
        }
    )


def override_panel(account_id: int) -> html.Div:
    """The control for the Account page (the one hook it needs)."""
    session = db_session()
    control = make_override_control(
        override_state(session, account_id),
        can_edit=can(current_user, "override_scores"),
        today=engine.today(),
    )
    return html.Div(control, id=PANEL)


def _refresh(session: Any, account_id: int, message: Any) -> tuple:
    state = override_state(session, account_id)
    control = make_override_control(state, can_edit=True, today=engine.today(), message=message)
    return control, dash.no_update


def _message(text: str, color: str) -> dbc.Alert:
    return dbc.Alert(text, color=color, className="mb-0 mt-2 py-2", id="override-message")


@guarded_callback(
    "override_scores",
    Output(PANEL, "children", allow_duplicate=True),
    Output("override-result", "children", allow_duplicate=True),
    Input("override-set", "n_clicks"),
    State("override-account", "data"),
    State("override-score", "value"),
    State("override-band", "value"),
    State("override-reason", "value"),
    State("override-expires", "value"),
    prevent_initial_call=True,
)
def set_override(
    _n: int | None, account_id: int, score: Any, band: str | None, reason: str | None, expires: str | None
) -> tuple:
    if not _n:  # the button was just (re)drawn, not clicked
        raise PreventUpdate
    try:
        expires_on = date.fromisoformat(expires or "")
    except ValueError:
        return dash.no_update, _message(
            f"Until: {expires or 'nothing'} is not a date (YYYY-MM-DD).", "danger"
        )
    try:
        value = None if score in (None, "") else float(score)
    except (TypeError, ValueError):
        return dash.no_update, _message(f"Score: {score!r} is not a number.", "danger")
    session = db_session()
    actor = session.merge(current_user._get_current_object())
    try:
        service.set_override(
            session, int(account_id), reason=reason or "", expires_on=expires_on, score=value, band=band or None,
            actor=actor,
        )  # fmt: skip
    except service.OverrideError as exc:
        session.rollback()
        return dash.no_update, _message(str(exc)[:1].upper() + str(exc)[1:] + ".", "danger")
    session.commit()
    data_changed("override set")
    return _refresh(session, int(account_id), _message("Override set.", "success"))


@guarded_callback(
    "override_scores",
    Output(PANEL, "children", allow_duplicate=True),
    Output("override-result", "children", allow_duplicate=True),
    Input("override-clear", "n_clicks"),
    State("override-account", "data"),
    State("override-reason", "value"),
    prevent_initial_call=True,
)
def clear_override(_n: int | None, account_id: int, reason: str | None) -> tuple:
    if not _n:  # the button was just (re)drawn, not clicked
        raise PreventUpdate
    session = db_session()
    actor = session.merge(current_user._get_current_object())
    ended = service.clear_override(session, int(account_id), actor=actor, reason=reason or "")
    session.commit()
    data_changed("override cleared")
    if ended is None:
        return _refresh(session, int(account_id), _message("There was no override to clear.", "info"))
    return _refresh(
        session, int(account_id), _message("Override cleared: the computed score shows.", "success")
    )
