"""The quick-filter row: toggle buttons for the daily questions ("My accounts", "At risk", ...).

Each button is a native `<button>` with `aria-pressed`, so it is reached with Tab and toggled with Enter or
Space, and screen readers say whether it is on. What a button does is a named change to the filter model
(`dashapp.filters.quick`); the buttons only show it.
"""

from __future__ import annotations

from typing import Any

from dash import html

from dashapp.filters import QUICK_FILTERS, Filters, quick_state

QUICK = "quick"
_BUTTON = "btn btn-sm btn-outline-primary quick-filter"


def quick_id(name: str, page: str) -> dict[str, str]:
    """A quick-filter button's id (the page is part of it, like the filter bar's controls)."""
    return {"type": QUICK, "page": page, "name": name}


def pressed_props(on: bool) -> tuple[str, str]:
    """(aria-pressed, className) of a button that is on or off."""
    return ("true" if on else "false"), (_BUTTON + " active" if on else _BUTTON)


def make_quick_toggle(label: str, id: Any, on: bool, title: str) -> html.Button:
    pressed, classes = pressed_props(on)
    return html.Button(
        label, id=id, type="button", n_clicks=0, title=title, className=classes, **{"aria-pressed": pressed}
    )


def make_quick_filters(filters: Filters, page: str) -> html.Div:
    """The row of quick filters for `filters` (the buttons of those already on are pressed)."""
    state = quick_state(filters)
    buttons = [
        make_quick_toggle(q.label, quick_id(q.name, page), state[q.name], f"Only {q.meaning}")
        for q in QUICK_FILTERS
    ]
    return html.Div(
        [
            html.Span("Quick filters", id="quick-filters-label", className="small text-body-secondary"),
            *buttons,
        ],
        id="quick-filters",
        role="group",
        className="quick-filters d-flex flex-wrap gap-2 align-items-center mb-2",
        **{"aria-labelledby": "quick-filters-label"},
    )
