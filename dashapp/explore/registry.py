"""The explore-page registry: each page module declares itself once, beside `dash.register_page`.

A declaration says the page's path and title, its own URL keys (with their parsers), whether it can be
saved, exported (CSV and PDF) and shared, and how: its share/PDF sections and its CSV writer. Saved views,
exports, share links, the Views page and the page header's menus read it from here, so a new page is one new
file. No Dash here: export and report workers read the same declarations (`load()` imports the page modules
without registering them with Dash).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dashapp.exports.target import ExportTarget
    from models.view import SavedView

# A URL value (a string, or a list of strings for a repeated key) -> (the value, or None; a problem, or None).
Parser = Callable[[Any], tuple[Any, "str | None"]]
# What a shared view (and, unless `pdf_sections` is given, a PDF snapshot) shows: (session, view, page number).
Sections = Callable[["Session", "SavedView", int], list[dict[str, Any]]]
PdfSections = Callable[["Session", "ExportTarget"], list[dict[str, Any]]]
# Write the CSV file: (session, target, path, companion line, progress) -> number of data rows.
CsvWriter = Callable[..., int]
MAX_PATH = 255


class RegistryError(Exception):
    """A page declaration that is incomplete or contradicts another one."""


@dataclass(frozen=True)
class UrlKey:
    """A query-string key of the page's own (not a filter), with how to read it."""

    name: str
    parse: Parser
    multi: bool = False  # repeated in the URL (`set=a&set=b`): the value is a list
    default: Any = None  # the value when the URL leaves the key out (it is then not written either)

    def read(self, raw: Any) -> tuple[Any, str | None]:
        """The key's value from the URL (the default, and why, when the value cannot be used)."""
        if raw in (None, "", []):
            return self.default, None
        if self.multi:
            raw = [str(v) for v in (raw if isinstance(raw, list | tuple) else [raw])]
        elif isinstance(raw, list | tuple):
            raw = raw[-1]
        value, problem = self.parse(raw)
        return (self.default, problem) if problem else (value, None)

    def write(self, value: Any) -> list[str]:
        """The URL values for `value` (none for the default)."""
        if value in (None, "", []) or value == self.default:
            return []
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        return [value.isoformat() if hasattr(value, "isoformat") else str(value)]


@dataclass(frozen=True)
class ExplorePage:
    """One explore page, as saved views, exports and share links see it."""

    path: str
    title: str
    keys: tuple[UrlKey, ...] = ()
    saveable: bool = False
    exportable: bool = False
    shareable: bool = False
    sections: Sections | None = None
    pdf_sections: PdfSections | None = None
    csv: CsvWriter | None = None
    words: Callable[[ExportTarget], str] | None = None  # what an export is of, in words (default: filters)
    prefix: bool = False  # one page per id after `path` (e.g. /accounts/<id>)
    filters_line: bool = True  # a shared view starts with its filters in words
    quick_filters: bool = False  # the quick-filter row ("My accounts", "At risk", ...) above the filter bar

    @property
    def key_names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys)

    def key(self, name: str) -> UrlKey | None:
        return next((k for k in self.keys if k.name == name), None)

    def matches(self, page: str) -> bool:
        if self.prefix:
            rest = page.removeprefix(self.path)
            return page.startswith(self.path) and bool(rest) and "/" not in rest and len(page) <= MAX_PATH
        return page == self.path

    def title_for(self, page: str) -> str:
        return f"{self.title} {page.removeprefix(self.path)}" if self.prefix else self.title

    def read_options(self, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The page's own keys from a parsed query string (`parse_qs` shape), as they are stored with a view:
        strings (lists for repeated keys), invalid values left out and named."""
        options: dict[str, Any] = {}
        problems: list[str] = []
        for key in self.keys:
            if key.name not in raw:
                continue
            value, problem = key.read(raw[key.name])
            if problem:
                problems.append(problem)
            written = key.write(value)
            if written:
                options[key.name] = written if key.multi else written[-1]
        return options, problems

    def problems(self) -> list[str]:
        """What is missing or inconsistent in this declaration (empty when it is complete)."""
        from dashapp.filters import FILTER_KEYS

        found: list[str] = []
        name = self.path or "?"
        if not self.path.startswith("/") or len(self.path) > MAX_PATH:
            found.append(f"{name}: the path must start with '/'")
        if self.prefix and not self.path.endswith("/"):
            found.append(f"{name}: a prefix path must end with '/'")
        if not self.title.strip():
            found.append(f"{name}: no title")
        names = [k.name for k in self.keys]
        if len(set(names)) != len(names):
            found.append(f"{name}: a URL key is declared twice")
        for key in self.keys:
            if key.name in FILTER_KEYS:
                found.append(f"{name}: URL key {key.name!r} is a filter")
            if not callable(key.parse):
                found.append(f"{name}: URL key {key.name!r} has no parser")
        if self.shareable and self.sections is None:
            found.append(f"{name}: shareable but no sections to show")
        if self.exportable and self.csv is None:
            found.append(f"{name}: exportable but no CSV writer")
        if self.exportable and self.sections is None and self.pdf_sections is None:
            found.append(f"{name}: exportable but no PDF sections")
        if (self.shareable or self.exportable) and not self.saveable:
            found.append(f"{name}: shared and exported pages are saved views first: declare it saveable")
        return found


_PAGES: dict[str, ExplorePage] = {}
_loaded = False


def declare(page: ExplorePage) -> ExplorePage:
    """Add (or, when its module is imported again, replace) a page. An incomplete declaration fails here, so
    the application does not start with it."""
    found = page.problems()
    if found:
        raise RegistryError("incomplete explore page declaration: " + "; ".join(found))
    _PAGES[page.path] = page
    return page


def forget(path: str) -> None:
    """Remove a declaration (tests that declare a page of their own)."""
    _PAGES.pop(path, None)


def load(folder: Path | None = None) -> None:
    """Import the page modules that declare explore pages, once per process, without registering them with
    Dash (a worker has no Dash app). A module Dash has already imported is not imported again."""
    global _loaded
    if _loaded and folder is None:
        return
    from dashapp import PAGES_DIR

    base = (folder or PAGES_DIR).resolve()
    imported = {Path(f).resolve() for m in list(sys.modules.values()) if (f := getattr(m, "__file__", None))}
    for file in sorted(base.glob("*.py")):
        if file.name.startswith("_") or file in imported:
            continue
        if "declare(" not in file.read_text(encoding="utf-8"):
            continue
        _import_quietly(f"{base.name}.{file.stem}", file)
    if folder is None:
        _loaded = True


def _import_quietly(name: str, file: Path) -> None:
    """Run a page module for its declaration only: Dash's page registration is skipped and the callbacks the
    page module itself defines are dropped again (the Dash app imports the module and registers them once).
    Callbacks of shared modules it imports for the first time (e.g. `dashapp.ui.override`) are kept."""
    from dash import _callback
    from dash.testing import ignore_register_page

    known = set(_callback.GLOBAL_CALLBACK_MAP)
    scripts = len(_callback.GLOBAL_INLINE_SCRIPTS)
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    try:
        with ignore_register_page():
            spec.loader.exec_module(module)
        sys.modules[name] = module
    finally:
        ours = set()
        for key, entry in list(_callback.GLOBAL_CALLBACK_MAP.items()):
            func = entry.get("callback")
            # Clientside callbacks have no Python function; shared modules define none at import time.
            if key not in known and (func is None or getattr(func, "__module__", None) == name):
                ours.add(key)
                del _callback.GLOBAL_CALLBACK_MAP[key]
        _callback.GLOBAL_CALLBACK_LIST[:] = [
            c for c in _callback.GLOBAL_CALLBACK_LIST if c.get("output") not in ours
        ]
        del _callback.GLOBAL_INLINE_SCRIPTS[scripts:]


def all_pages() -> list[ExplorePage]:
    load()
    return sorted(_PAGES.values(), key=lambda p: p.path)


def find(page: str) -> ExplorePage | None:
    """The declaration a page path belongs to (an exact path first, then a prefix page)."""
    load()
    page = (page or "").strip()
    if page in _PAGES and not _PAGES[page].prefix:
        return _PAGES[page]
    return next((p for p in _PAGES.values() if p.prefix and p.matches(page)), None)


def title_of(page: str) -> str:
    spec = find(page)
    return spec.title_for(page) if spec else page


def all_key_names() -> tuple[str, ...]:
    """Every page's own URL keys (a query string with any of them is not a filter error)."""
    return tuple(dict.fromkeys(k.name for p in all_pages() for k in p.keys))


def keys_of(page: str) -> tuple[str, ...]:
    spec = find(page)
    return spec.key_names if spec else ()


def able(page: str, what: str) -> ExplorePage | None:
    """The page's declaration when it may be `what` ("saveable", "exportable", "shareable"), else None."""
    spec = find(page)
    return spec if spec is not None and getattr(spec, what) else None


def check(dash_paths: Sequence[str]) -> None:
    """The start-up check: every declaration is complete and names a page Dash serves."""
    problems = [problem for page in all_pages() for problem in page.problems()]
    served = set(dash_paths)
    for page in all_pages():
        template = page.path + "<" if page.prefix else page.path
        if not any(p == page.path or (page.prefix and p.startswith(template)) for p in served):
            problems.append(f"{page.path}: declared but no Dash page has this path")
    if problems:
        raise RegistryError("explore pages: " + "; ".join(problems))
