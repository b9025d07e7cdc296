"""What an export is of: a page path with its query string (filters plus page keys), or a saved view.

Which pages can be exported, their titles and their own URL keys come from the explore-page registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from dashapp.explore import registry
from dashapp.filters import Filters, describe, parse, parse_sort
from models.view import SavedView

MAX_QUERY = 8000
LIST_KEYS = ("sort", "columns")


class ExportError(ValueError):
    """An export that cannot be made, with a message that names what is wrong."""


@dataclass(frozen=True)
class ExportTarget:
    page: str
    query: str = ""
    title: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def spec(self) -> registry.ExplorePage:
        spec = registry.find(self.page)
        if spec is None:
            raise ExportError(f"page: {self.page[:60]!r} is not an explore page")
        return spec

    @property
    def filters(self) -> Filters:
        return parse(self.query, extra_keys=registry.keys_of(self.page))[0]

    @property
    def kind(self) -> str:
        """The page's name as a slug (`overview`, `churn-risk`, `account`), for file names."""
        return re.sub(r"[^a-z0-9]+", "-", self.spec.title.lower()).strip("-")

    def words(self) -> str:
        spec = self.spec
        return spec.words(self) if spec.words else describe(self.filters)

    def as_view(self) -> SavedView:
        """An unsaved SavedView holding this state, for renderers that read views."""
        return SavedView(
            page=self.page,
            query=self.query,
            options=dict(self.options),
            columns=list(self.columns),
            sort=",".join(f"-{n}" if d else n for n, d in self.sort),
            name=self.title,
        )


def check_page(page: str) -> registry.ExplorePage:
    spec = registry.able((page or "").strip(), "exportable")
    if spec is None:
        names = ", ".join(p.path + ("<id>" if p.prefix else "") for p in registry.all_pages() if p.exportable)
        raise ExportError(f"page: {(page or '')[:60]!r} cannot be exported; use one of {names}")
    return spec


def problems(query: str, page: str | None = None) -> list[str]:
    """What in a query string is not a valid filter or page key (the export leaves those out, as the page
    does, and keeps everything valid)."""
    keys = registry.keys_of(page) if page else registry.all_key_names()
    _filters, errors = parse(query, extra_keys=keys)
    raw = parse_qs(query, keep_blank_values=False, max_num_fields=2000) if len(query) <= MAX_QUERY else {}
    return errors + parse_sort(raw.get("sort", [""])[-1])[1]


def from_page(page: str, query: str) -> ExportTarget:
    """A page and its query string (what the address bar shows). Values that are not valid filters are left
    out (see `problems`); a page that cannot be exported is refused."""
    page = (page or "").strip()
    spec = check_page(page)
    query = (query or "").lstrip("?")
    if len(query) > MAX_QUERY:
        raise ExportError(f"query: longer than {MAX_QUERY} characters")
    try:
        raw = parse_qs(query, keep_blank_values=False, max_num_fields=2000)
    except ValueError:
        raise ExportError("query: more than 2000 values") from None
    options, _ = spec.read_options({k: v for k, v in raw.items() if k not in LIST_KEYS})
    sort, _ = parse_sort(raw.get("sort", [""])[-1])
    columns = [c for c in raw.get("columns", [""])[-1].split(",") if c]
    return ExportTarget(page, query, spec.title_for(page), options, columns, sort)


def from_view(view: SavedView) -> ExportTarget:
    sort, _ = parse_sort(view.sort)
    return ExportTarget(
        view.page,
        view.query,
        view.name,
        dict(view.options or {}),
        list(view.columns or []),
        sort,
    )
