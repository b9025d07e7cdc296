"""Quick-filter callbacks, registered by the shell for each explore page whose declaration asks for them.

A click changes the filter bar's controls (through the filter model), never the URL or the content
directly: the page's own filter callback then writes the URL and redraws, and back/forward, saved views
and share links work as for any filter. The buttons' pressed state follows the controls, so it is right
after a manual edit, "Clear filters" or back/forward too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from components.filter_bar import control_values, fb_all, read_filter_bar
from components.quick_filters import QUICK, pressed_props
from dashapp.explore import registry
from dashapp.filters import quick_filter, quick_state


def toggled_values(name: str, values: Sequence[Any], ids: Sequence[Mapping[str, str]]) -> list[Any]:
    """New values for the controls after toggling quick filter `name` (no_update where nothing changes)."""
    filters, _ = read_filter_bar(values, ids)
    try:
        changed = quick_filter(name).toggle(filters)
    except KeyError:
        raise PreventUpdate from None
    before, after = control_values(filters), control_values(changed)
    return [
        after[i["key"]] if i.get("key") in after and after[i["key"]] != before[i["key"]] else no_update
        for i in ids
    ]


def pressed(
    values: Sequence[Any], ids: Sequence[Mapping[str, str]], buttons: Sequence[Mapping[str, str]]
) -> tuple[list[str], list[str]]:
    """aria-pressed and className of each button, for what the controls say."""
    filters, _ = read_filter_bar(values, ids)
    state = quick_state(filters)
    props = [pressed_props(state.get(b.get("name", ""), False)) for b in buttons]
    return [p[0] for p in props], [p[1] for p in props]


def _buttons(page: str) -> dict[str, Any]:
    return {"type": QUICK, "page": page, "name": ALL}


def register(app: Dash) -> None:
    for spec in registry.all_pages():
        if spec.quick_filters:
            _register_page(app, spec.path)


def _register_page(app: Dash, page: str) -> None:
    @app.callback(
        Output(fb_all(page), "value", allow_duplicate=True),
        Input(_buttons(page), "n_clicks"),
        State(fb_all(page), "value"),
        State(fb_all(page), "id"),
        prevent_initial_call=True,
    )
    def toggle(clicks: list[int | None], values: list, ids: list[dict]) -> list[Any]:
        if not isinstance(ctx.triggered_id, Mapping) or not any(clicks):
            raise PreventUpdate
        return toggled_values(str(ctx.triggered_id.get("name")), values, ids)

    @app.callback(
        Output(_buttons(page), "aria-pressed"),
        Output(_buttons(page), "className"),
        Input(fb_all(page), "value"),
        State(fb_all(page), "id"),
        State(_buttons(page), "id"),
        prevent_initial_call=True,
    )
    def show_pressed(values: list, ids: list[dict], buttons: list[dict]) -> tuple[list, list]:
        return pressed(values, ids, buttons)
