"""Churn risk: the riskiest (filtered) accounts with their drivers, beside the active model's card (held-out
figures, calibration, lift, training window). Admins and managers can queue a retrain."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html
from flask_login import current_user

from components.churn import NO_MODEL_HINT, make_model_card, make_risk_table
from components.messages import make_empty_state
from dashapp.analytics.churn.card import model_card
from dashapp.auth.guard import guarded_callback
from dashapp.auth.permissions import can
from dashapp.explore.registry import ExplorePage, declare
from dashapp.exports.analytics_rows import churn_rows
from dashapp.exports.csvfile import rows_writer
from dashapp.extensions import db_session, runtime
from dashapp.filters import Filters
from dashapp.queries import churn as q
from dashapp.share.analytics import churn_sections
from dashapp.ui.page import (
    card,
    filter_section,
    loading,
    page_header,
    theme,
)
from dashapp.ui.scaffold import filtered_page, url_state

PAGE = "/churn"
TOP = 50
dash.register_page(
    __name__,
    path=PAGE,
    name="Churn risk",
    title="Churn risk · healthdash",
    nav_order=33,
    nav_group="Analytics",
)
EXPLORE = declare(
    ExplorePage(
        PAGE,
        "Churn risk",
        saveable=True,
        exportable=True,
        shareable=True,
        sections=churn_sections,
        csv=rows_writer(churn_rows),
    )
)


def content(filters: Filters, theme_name: str | None) -> list[Any]:
    session = db_session()
    model = q.active_model(session)
    if model is None:
        return [make_empty_state("No churn model yet", NO_MODEL_HINT, id="churn-empty")]
    rows, total = q.top_risk(session, model.id, filters, limit=TOP)
    as_of = rows[0]["as_of"] if rows else None
    note = f"{min(TOP, total):,} of {total:,} scored accounts" + (
        f", as of {as_of:%d %b %Y}" if as_of else ""
    )
    if model.scored_at is None:
        note = "this model has not scored the accounts yet"
    return [
        dbc.Row(
            [
                dbc.Col(card("Highest churn risk", make_risk_table(rows), note=note, id="churn-risk"), lg=7),
                dbc.Col(make_model_card(model_card(model), theme_name), lg=5),
            ],
            className="g-3",
        )
    ]


def _retrain_controls() -> Any:
    if not can(current_user, "run_jobs"):
        return html.Div(id="churn-retrain-status", hidden=True)
    return html.Div(
        [
            dbc.Button("Retrain model", id="churn-retrain", size="sm", color="secondary", className="me-2"),
            html.Span(id="churn-retrain-status", className="small text-body-secondary"),
        ],
        className="mb-3",
    )


def layout(**query: Any) -> html.Div:
    state = url_state(query, PAGE)
    return html.Div(
        [
            page_header("Churn risk", "Who is likely to churn, why, and how far to trust it.", PAGE),
            *filter_section(state, PAGE),
            _retrain_controls(),
            loading(content(state.filters, theme()), "churn-content"),
        ]
    )


update = filtered_page(PAGE, "churn-content", lambda state, theme_name: content(state.filters, theme_name))


@guarded_callback(
    "run_jobs",
    Output("churn-retrain-status", "children"),
    Input("churn-retrain", "n_clicks"),
    prevent_initial_call=True,
)
def retrain(_n: int | None) -> str:
    from jobs.churn import enqueue_train

    rt = runtime()
    run = enqueue_train(rt.settings, rt.db, requested_by_id=current_user.id)
    return f"Queued run {run.id}: {run.title}. The model card changes when it finishes; reload the page then."
