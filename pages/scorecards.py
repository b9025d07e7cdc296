"""Scorecards (managers and admins): what each scorecard measures and to whom it applies; edit weights,
windows, normalisations and band cut-offs with a live preview of the score distribution and the backtest;
save as a new version, which queues a recompute."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from flask_login import current_user
from sqlalchemy import select

from components.messages import make_empty_state
from components.scorecard_editor import FIELD, applies_to, make_editor, make_errors, make_preview
from dashapp.auth import guarded_callback, page_permission
from dashapp.cache import data_changed
from dashapp.extensions import db_session, runtime
from dashapp.scoring import service, store
from dashapp.scoring.definition import ScorecardError
from dashapp.ui.page import loading, theme, theme_id, theme_store
from dashapp.ui.scorecard_form import PREVIEW_SAMPLE, definition_from_fields
from jobs.scores import enqueue_recompute
from models.scoring import Scorecard, ScorecardVersion
from models.user import User

PAGE = "/scorecards"
dash.register_page(
    __name__,
    path=PAGE,
    name="Scorecards",
    title="Scorecards · healthdash",
    nav_order=85,
    nav_group="Admin",
    permission="edit_scorecards",
)

FIELDS = Input({"type": FIELD, "path": ALL}, "value")
FIELD_IDS = State({"type": FIELD, "path": ALL}, "id")


def _card_list(cards: list[Scorecard], selected: int) -> dbc.ListGroup:
    return dbc.ListGroup(
        [
            dbc.ListGroupItem(
                [
                    html.Div(
                        [
                            html.Span(c.name, className="fw-semibold me-2"),
                            dbc.Badge("default", color="primary"),
                        ]
                        if c.is_default
                        else html.Span(c.name, className="fw-semibold"),
                    ),
                    html.Div(applies_to(c.match, c.is_default), className="small text-body-secondary"),
                ],
                href=f"{PAGE}?id={c.id}",
                active=c.id == selected,
                id={"type": "sc-item", "id": c.id},
            )
            for c in cards
        ],
        id="sc-list",
        tag="div",  # the items are links, so this is a group of links, not a list
    )


def _versions(card: Scorecard) -> html.Div:
    session = db_session()
    rows = session.execute(
        select(ScorecardVersion, User.email)
        .outerjoin(User, User.id == ScorecardVersion.created_by_id)
        .where(ScorecardVersion.scorecard_id == card.id)
        .order_by(ScorecardVersion.version.desc())
        .limit(10)
    ).all()
    items = [
        html.Li(
            [
                html.Strong(f"v{v.version}"),
                " (in use)" if v.id == card.current_version_id else "",
                f" · {v.created_at:%d %b %Y %H:%M} · {email or 'system'}",
                f" · {v.note}" if v.note else "",
            ]
        )
        for v, email in rows
    ]
    return html.Ul(items, className="small mb-0 list-unstyled", id="sc-versions")


def _summary(card: Scorecard, version: ScorecardVersion) -> html.Div:
    return html.Div(
        [
            html.H2(card.name, className="h4 mb-1", id="sc-name"),
            html.P(card.description, className="text-body-secondary mb-1") if card.description else None,
            html.Div(
                [
                    html.Span("Applies to: ", className="text-body-secondary"),
                    html.Span(applies_to(card.match, card.is_default), id="sc-applies"),
                    html.Span(f" · priority {card.priority}", className="text-body-secondary"),
                ],
                className="small",
            ),
            html.Div(
                [
                    html.Span("Version in use: ", className="text-body-secondary"),
                    html.Span(f"v{version.version}", id="sc-version"),
                ],
                className="small mb-2",
            ),
        ]
    )


def _selected(cards: list[Scorecard], raw: Any) -> Scorecard | None:
    text = str(raw[-1] if isinstance(raw, list) else raw or "").strip()
    if not text:
        return next((c for c in cards if c.is_default), cards[0] if cards else None)
    return next((c for c in cards if str(c.id) == text), None)


@page_permission("edit_scorecards")
def layout(**query: Any) -> html.Div:
    session = db_session()
    cards = store.list_scorecards(session)
    session.commit()  # the default scorecard is created on first use
    card = _selected(cards, query.get("id"))
    header = [
        html.H1("Scorecards", className="page-title"),
        html.P(
            "What the health score measures, for whom, and how much each part weighs.",
            className="page-subtitle",
        ),
    ]
    if card is None:
        shown = str(query.get("id"))[:40]
        return html.Div(
            [
                *header,
                make_empty_state(
                    "No such scorecard",
                    f"No scorecard has the id {shown!r}; pick one below.",
                    id="sc-missing",
                ),
                _card_list(cards, -1),
            ]
        )
    version = session.get(ScorecardVersion, card.current_version_id)
    current = {"scorecard_id": card.id, "version_id": version.id, "definition": version.definition}
    return html.Div(
        [
            *header,
            theme_store(PAGE),
            dcc.Store(id="sc-current", data=current),
            dbc.Row(
                [
                    dbc.Col(_card_list(cards, card.id), lg=4, xl=3),
                    dbc.Col(
                        [
                            html.Div(_summary(card, version), id="sc-summary"),
                            html.H6("Versions", className="mt-2"),
                            html.Div(_versions(card), id="sc-versions-wrap"),
                        ],
                        lg=8,
                        xl=9,
                    ),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Div(id="sc-errors"),
                            html.Div(make_editor(version.definition), id="sc-editor-wrap"),
                        ],
                        xl=7,
                    ),
                    dbc.Col(
                        html.Div(
                            [
                                dbc.Card(
                                    [
                                        dbc.CardHeader("Preview of this edit"),
                                        dbc.CardBody(loading(None, "sc-preview")),
                                    ],
                                    className="mb-3",
                                ),
                                dbc.Card(
                                    [
                                        dbc.CardHeader("Save"),
                                        dbc.CardBody(
                                            [
                                                dbc.Input(
                                                    id="sc-note",
                                                    placeholder="What changed and why (kept with the version)",
                                                    maxLength=500,
                                                    className="mb-2",
                                                ),
                                                dbc.Button(
                                                    "Save as a new version", id="sc-save", color="primary"
                                                ),
                                                html.Div(id="sc-save-result", className="mt-2"),
                                            ]
                                        ),
                                    ]
                                ),
                            ],
                            className="sc-side",
                            style={"position": "sticky", "top": "0.5rem"},
                        ),
                        xl=5,
                    ),
                ],
                className="g-3",
            ),
        ]
    )


@guarded_callback(
    "edit_scorecards",
    Output("sc-preview", "children"),
    Output("sc-errors", "children"),
    FIELDS,
    Input(theme_id(PAGE), "data"),
    FIELD_IDS,
    State("sc-current", "data"),
)
def preview(values: list, theme_name: str | None, ids: list[dict], current: dict | None) -> tuple:
    """Validate the form and, when it is valid, preview it against the saved version."""
    if not current or not ids:
        raise dash.exceptions.PreventUpdate
    result = definition_from_fields(current["definition"], values, ids)
    if result.definition is None:
        note = html.P("The preview waits for a valid scorecard.", className="text-body-secondary mb-0")
        return note, make_errors(result.errors)
    session = db_session()
    try:
        out = service.preview_scorecard(
            session,
            result.definition.to_json(),
            scorecard_id=current["scorecard_id"],
            sample=PREVIEW_SAMPLE,
        )
    except ScorecardError as exc:
        return None, make_errors([str(exc)])
    finally:
        session.rollback()  # a preview writes nothing
    return make_preview(out, theme_name or theme()), None


@guarded_callback(
    "edit_scorecards",
    Output("sc-save-result", "children"),
    Output("sc-current", "data"),
    Output("sc-summary", "children"),
    Output("sc-versions-wrap", "children"),
    Output("sc-editor-wrap", "children"),
    Input("sc-save", "n_clicks"),
    State({"type": FIELD, "path": ALL}, "value"),
    FIELD_IDS,
    State("sc-current", "data"),
    State("sc-note", "value"),
    prevent_initial_call=True,
)
def save(_n: int | None, values: list, ids: list[dict], current: dict | None, note: str | None) -> tuple:
    """Store the edit as the scorecard's new version and queue a recompute of every account."""
    keep = (dash.no_update,) * 4
    if not current or not _n:
        raise dash.exceptions.PreventUpdate
    result = definition_from_fields(current["definition"], values, ids)
    if result.definition is None:
        return make_errors(result.errors), *keep
    session = db_session()
    card = session.get(Scorecard, current["scorecard_id"])
    if card is None or card.current_version_id != current["version_id"]:
        message = (
            "This scorecard was changed by someone else since you opened it: reload the page to edit it."
        )
        return dbc.Alert(message, color="warning", className="mb-0", id="sc-save-alert"), *keep
    actor = session.merge(current_user._get_current_object())
    try:
        version = store.save_version(
            session, card.id, result.definition, note=(note or "").strip(), actor=actor
        )
    except ScorecardError as exc:
        session.rollback()
        return make_errors([str(exc)]), *keep
    if version.id == current["version_id"]:
        session.rollback()
        return dbc.Alert(
            "Nothing changed: no new version.", color="info", className="mb-0", id="sc-save-alert"
        ), *keep
    session.commit()
    data_changed("scorecard change")
    rt = runtime()
    run = enqueue_recompute(rt.settings, rt.db, requested_by_id=actor.id)
    message = dbc.Alert(
        [
            html.Div(f"Saved version {version.version} of {card.name}.", className="fw-semibold"),
            html.Div(f"Recompute of every account queued (job {run.id}, {run.status}).", id="sc-save-job"),
        ],
        color="success",
        className="mb-0",
        id="sc-save-alert",
    )
    fresh = {"scorecard_id": card.id, "version_id": version.id, "definition": version.definition}
    return message, fresh, _summary(card, version), _versions(card), make_editor(version.definition)
