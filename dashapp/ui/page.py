"""What every data page shares: reading filters from the URL, the header with saved views, the filter bar."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from flask_login import current_user

from components.filter_bar import (
    fb_all,
    make_filter_bar,
    make_filter_errors,
    make_page_query_store,
    read_filter_bar,
)
from components.quick_filters import make_quick_filters
from dashapp.explore import registry
from dashapp.extensions import db_session
from dashapp.filters import Filters, parse, to_pairs
from dashapp.queries.options import cluster_names, filter_options, owner_names
from dashapp.saved_views import default_view, state_of
from dashapp.ui.export import make_export_menu
from dashapp.ui.views import make_views_menu


def theme_id(page: str) -> dict[str, str]:
    """The page's copy of the theme (the shell fills every page's copy), so theme changes re-render this
    page's figures without firing other pages' callbacks."""
    return {"type": "page-theme", "page": page}


def theme_store(page: str) -> dcc.Store:
    return dcc.Store(id=theme_id(page), data=theme())


def filter_inputs(page: str) -> list[Input]:
    return [Input(fb_all(page), "value"), Input(theme_id(page), "data")]


def filter_ids(page: str) -> State:
    return State(fb_all(page), "id")


class FilteredState(Protocol):
    """What the filter section reads of a page's state (`PageState`, or the scaffold's `UrlState`)."""

    @property
    def filters(self) -> Filters: ...

    @property
    def errors(self) -> list[str]: ...


@dataclass(frozen=True)
class PageState:
    filters: Filters
    errors: list[str]
    extras: dict[str, Any]


def from_url(query: Mapping[str, Any], extra_keys: Sequence[str] = (), page: str | None = None) -> PageState:
    """Filters (and the page's own keys) from `layout(**query)`; bad values become visible errors.
    With no query at all, the user's default view for `page` (if any) is opened; a CSM without one sees
    their own accounts."""
    if not query and page:
        view = default_view(db_session(), current_user, page)
        if view is not None:
            query = parse_qs(state_of(view).query_string())
        elif getattr(current_user, "role", None) == "csm":
            query = {"owner": ["me"]}
    filters, errors = parse(query, extra_keys=extra_keys)
    extras = {
        k: (v[-1] if isinstance(v, list) and k != "set" else v) for k, v in query.items() if k in extra_keys
    }
    return PageState(filters, errors, extras)


def theme() -> str:
    return getattr(current_user, "theme", "light") or "light"


def query_string(filters: Filters, extras: Mapping[str, Any] | None = None) -> str:
    pairs = to_pairs(filters)
    for key, value in (extras or {}).items():
        if value in (None, "", []):
            continue
        pairs.extend((key, str(v)) for v in (value if isinstance(value, list) else [value]))
    return urlencode(pairs)


def page_header(title: str, subtitle: str, page: str) -> html.Div:
    """The page's title with its Views/Save-view and Export menus, shown when its explore-page declaration
    says the page can be saved and exported."""
    spec = registry.find(page)
    views = spec is not None and spec.saveable
    export = spec is not None and spec.exportable
    top = html.Div(
        [
            html.Div(
                [html.H1(title, className="page-title"), html.P(subtitle, className="page-subtitle mb-2")]
            ),
            html.Div(
                [make_views_menu(page) if views else None, make_export_menu(page) if export else None],
                className="d-flex flex-wrap gap-2 align-items-start",
            ),
        ],
        className="d-flex flex-wrap justify-content-between align-items-start gap-2",
    )
    # After "Save view": what was saved, and the offer to share it (dashapp.ui.views).
    return html.Div([top, html.Div(id="view-saved", className="mb-2")]) if views else top


def filter_section(state: FilteredState, page: str, extras: Mapping[str, Any] | None = None) -> list[Any]:
    """The filter bar (after the quick-filter row when the page's declaration asks for one), the page's
    URL store and its theme store."""
    session = db_session()
    spec = registry.find(page)
    return [
        make_quick_filters(state.filters, page) if spec is not None and spec.quick_filters else None,
        make_filter_bar(
            state.filters,
            filter_options(session),
            owner_names=owner_names(session),
            cluster_names=cluster_names(session),
            errors=state.errors,
            page=page,
        ),
        make_page_query_store(page, query_string(state.filters, extras)),
        theme_store(page),
    ]


def filter_outputs(page: str, content_id: str) -> list[Output]:
    return [
        Output(content_id, "children"),
        Output({"type": "page-query", "page": page}, "data"),
        Output("fb-errors", "children", allow_duplicate=True),
    ]


def read_controls(values: Sequence[Any], ids: Sequence[Mapping[str, str]]) -> tuple[Filters, Any]:
    filters, errors = read_filter_bar(values, ids)
    return filters, make_filter_errors(errors)


def loading(children: Any, id: str) -> dcc.Loading:
    return dcc.Loading(
        html.Div(children, id=id),
        type="dot",
        delay_show=300,
        overlay_style={"visibility": "visible", "opacity": 0.5},
    )


def card(title: str, body: Any, *, id: str | None = None, note: str | None = None) -> dbc.Card:
    header: list[Any] = [title]
    if note:
        header.append(html.Span(f" · {note}", className="small text-body-secondary fw-normal"))
    kwargs = {"id": id} if id else {}
    return dbc.Card([dbc.CardHeader(header), dbc.CardBody(body)], className="chart-card h-100", **kwargs)


def graph(figure: Any, id: str) -> dcc.Graph:
    return dcc.Graph(id=id, figure=figure, config={"displaylogo": False, "responsive": True})
