"""Shell-level callbacks of the filter bar: URL sync, back/forward restore, clear, "more filters", the phone
drawer."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from components.filter_bar import FB, control_values, make_filter_errors
from dashapp.explore import registry
from dashapp.filters import Filters, parse


def restore_controls(
    popstate: dict | None, ids: list[dict], page_extra: list[str] | None = None
) -> list[Any]:
    """Control values for the URL in `popstate` (or cleared filters), in the order of `ids`."""
    if ctx.triggered_id == "fb-clear":
        filters, errors = Filters(), list[str]()
    elif popstate and isinstance(popstate.get("search"), str):
        filters, errors = parse(popstate["search"], extra_keys=page_extra or ())
        errors = [e for e in errors if "is not a filter" not in e]
    else:
        raise PreventUpdate
    values = control_values(filters)
    if popstate and ctx.triggered_id != "fb-clear":
        raw = parse_qs(str(popstate.get("search", "")).lstrip("?"))
        for key in page_extra or ():
            values[key] = raw[key][-1] if key in raw else ""
    return [[values.get(i["key"], no_update) for i in ids], make_filter_errors(errors)]


def register(app: Dash) -> None:
    app.clientside_callback(
        ClientsideFunction(namespace="urlstate", function_name="push"),
        Output("url-sync", "children"),
        Input({"type": "page-query", "page": ALL}, "data"),
    )

    app.clientside_callback(
        """
        function(theme) {
            const outputs = window.dash_clientside.callback_context.outputs_list || [];
            return outputs.map(() => theme || "light");
        }
        """,
        Output({"type": "page-theme", "page": ALL}, "data"),
        Input("theme-store", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output({"type": FB, "page": ALL, "key": ALL}, "value"),
        Output("fb-errors", "children"),
        Input("popstate-store", "data"),
        Input("fb-clear", "n_clicks"),
        State({"type": FB, "page": ALL, "key": ALL}, "id"),
        prevent_initial_call=True,
    )
    def restore(popstate: dict | None, _clear: int | None, ids: list[dict]) -> list[Any]:
        return restore_controls(popstate, ids, list(registry.all_key_names()))

    app.clientside_callback(
        """
        function(_n, className) {
            const open = !(className || "").includes("fb-drawer-open");
            return [open ? "fb-drawer fb-drawer-open" : "fb-drawer", String(open),
                    open ? "Hide filters" : "Show filters"];
        }
        """,
        Output("fb-drawer", "className"),
        Output("fb-drawer-toggle", "aria-expanded"),
        Output("fb-drawer-toggle", "children"),
        Input("fb-drawer-toggle", "n_clicks"),
        State("fb-drawer", "className"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("fb-more", "is_open"),
        Input("fb-more-toggle", "n_clicks"),
        State("fb-more", "is_open"),
        prevent_initial_call=True,
    )
    def toggle_more(_n: int | None, is_open: bool) -> bool:
        return not is_open
