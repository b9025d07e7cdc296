"""What an export is of: a page path with its query string (filters plus page keys), or a saved view."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from dashapp.filters import Filters, describe, parse, parse_sort
from dashapp.saved_views import PAGE_KEYS, PAGES
from models.view import SavedView

MAX_QUERY = 8000


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
    def filters(self) -> Filters:
        return parse(self.query, extra_keys=PAGE_KEYS)[0]

    @property
    def kind(self) -> str:
        if self.page.startswith("/accounts/"):
            return "account"
        return {"/": "overview", "/accounts": "accounts", "/cohorts": "cohorts", "/compare": "compare"}[
            self.page
        ]

    def words(self) -> str:
        if self.kind == "account":
            return f"Account {self.page.removeprefix('/accounts/')}"
        if self.kind == "compare":
            return "Sets compared side by side"
        return describe(self.filters)

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


def check_page(page: str) -> str:
    page = (page or "").strip()
    if page in PAGES or (page.startswith("/accounts/") and 10 < len(page) <= 255):
        return page
    raise ExportError(
        f"page: {page[:60]!r} cannot be exported; use one of {', '.join(PAGES)} or /accounts/<id>"
    )


def problems(query: str) -> list[str]:
    """What in a query string is not a valid filter or page key (the export leaves those out, as the page
    does, and keeps everything valid)."""
    _filters, errors = parse(query, extra_keys=PAGE_KEYS)
    raw = parse_qs(query, keep_blank_values=False, max_num_fields=2000) if len(query) <= MAX_QUERY else {}
    return errors + parse_sort(raw.get("sort", [""])[-1])[1]


def from_page(page: str, query: str) -> ExportTarget:
    """A page and its query string (what the address bar shows). Values that are not valid filters are left
    out (see `problems`); a page that cannot be exported is refused."""
    page = check_page(page)
    query = (query or "").lstrip("?")
    if len(query) > MAX_QUERY:
        raise ExportError(f"query: longer than {MAX_QUERY} characters")
    try:
        raw = parse_qs(query, keep_blank_values=False, max_num_fields=2000)
    except ValueError:
        raise ExportError("query: more than 2000 values") from None
    options = {
        k: (v if len(v) > 1 or k == "set" else v[0])
        for k, v in raw.items()
        if k in PAGE_KEYS and k not in ("sort", "columns")
    }
    sort, _ = parse_sort(raw.get("sort", [""])[-1])
    columns = [c for c in raw.get("columns", [""])[-1].split(",") if c]
    titles = {"/": "Overview", "/accounts": "Accounts", "/cohorts": "Cohorts", "/compare": "Compare"}
    title = titles.get(page) or f"Account {page.removeprefix('/accounts/')}"
    return ExportTarget(page, query, title, options, columns, sort)


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
