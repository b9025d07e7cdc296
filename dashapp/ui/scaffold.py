"""One scaffold for a filtered explore page: its typed URL state and the callback that reads the filter bar
(and the page's own keys), writes the URL and renders the content.

The page's own URL keys and their parsers come from its explore-page declaration, so a page supplies only
`render(state, theme)`; the read-filters / write-URL / render callback is generated here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dash

from components.filter_bar import make_filter_errors, read_filter_bar
from dashapp.explore import registry
from dashapp.filters import Filters
from dashapp.ui.page import filter_ids, filter_inputs, filter_outputs, from_url, query_string


@dataclass(frozen=True)
class UrlState:
    """What a filtered page's URL says: the filters, the page's own keys (parsed) and what was not usable."""

    page: str
    filters: Filters
    options: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def url_options(self) -> dict[str, list[str]]:
        """The page's own keys as the URL writes them (defaults left out)."""
        spec = registry.find(self.page)
        keys = spec.keys if spec else ()
        return {k.name: k.write(self.options.get(k.name)) for k in keys}

    def query_string(self) -> str:
        return query_string(self.filters, self.url_options())

    def url_data(self) -> dict[str, Any]:
        """The page-query store's data: the shell pushes it into the browser's URL."""
        return {"path": self.page, "q": self.query_string(), "replace": False}


def _read_keys(page: str, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    spec = registry.find(page)
    options: dict[str, Any] = {}
    problems: list[str] = []
    for key in spec.keys if spec else ():
        value, problem = key.read(raw.get(key.name))
        options[key.name] = value
        if problem:
            problems.append(problem)
    return options, problems


def url_state(query: Mapping[str, Any], page: str) -> UrlState:
    """The state of `layout(**query)` (the user's default view when the URL has no query)."""
    state = from_url(query, registry.keys_of(page), page=page)
    options, problems = _read_keys(page, state.extras)
    return UrlState(page, state.filters, options, [*state.errors, *problems])


def controls_state(page: str, values: Sequence[Any], ids: Sequence[Mapping[str, str]]) -> UrlState:
    """The state the filter bar's controls (and the page's own key controls) show."""
    filters, errors = read_filter_bar(values, ids)
    keys = set(registry.keys_of(page))
    raw = {i["key"]: v for i, v in zip(ids, values, strict=False) if i.get("key") in keys}
    options, problems = _read_keys(page, raw)
    return UrlState(page, filters, options, [*errors, *problems])


Render = Callable[[UrlState, "str | None"], Any]


def filtered_page(page: str, content_id: str, render: Render) -> Callable[..., tuple]:
    """Register the page's update callback: on any filter, key or theme change, read the controls, write the
    URL, show the problems and render `content_id` with `render(state, theme)`."""

    def update(values: list, theme_name: str | None, ids: list[dict]) -> tuple:
        state = controls_state(page, values, ids)
        return render(state, theme_name), state.url_data(), make_filter_errors(state.errors)

    # The callback belongs to the page module that renders (the explore registry tells a page's callbacks
    # from those of shared modules by their module).
    update.__module__ = render.__module__
    update.__qualname__ = update.__name__ = "update"
    return dash.callback(
        *filter_outputs(page, content_id),
        *filter_inputs(page),
        filter_ids(page),
        prevent_initial_call=True,
    )(update)
