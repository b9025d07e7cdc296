"""Every page, light and dark, desktop and phone width, checked by axe-core (vendored, offline).

The page list comes from Dash's page registry, so a new page is checked without an edit here. A serious or
critical violation of WCAG 2.x A/AA fails the test and names the rule, the page and the elements. At phone
width a page that is wider than the screen (it scrolls sideways) fails the same way, and so does, at any width,
a select that shows an empty box.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import pytest
from flask import Flask

from tests.ui.conftest import ARTIFACTS, DESKTOP, ui_login
from tests.ui.test_explore import settle, ui_book  # noqa: F401  (fixture)

pytestmark = pytest.mark.ui

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
REPORT = ARTIFACTS / "axe-violations.txt"
PHONE = {"width": 390, "height": 844}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")
# Values for path variables, from the `ui_book` fixture.
PATH_VALUES = {"external_id": "ui-03"}
# Violations still open, as (path, rule) -> why. Any other serious/critical violation fails the test, and so does
# an entry here that no longer occurs in any theme or width: this list only shrinks.
KNOWN: dict[tuple[str, str], str] = {}
# Pages as the quick filters leave them (multi-value dropdowns filled, toggle buttons pressed), checked too.
WITH_FILTERS = (
    "/accounts?owner=me&owner=none&band=red&band=yellow&renewal_within=90",
    "/?band=red&band=yellow",
)


def page_paths(app: Flask) -> list[str]:
    """Every registered page an admin can open, path variables filled from `PATH_VALUES`."""
    assert app is not None  # the app fixture fills dash.page_registry
    paths = []
    for entry in dash.page_registry.values():
        template = entry.get("path_template")
        path = template or entry["path"]
        for name, value in PATH_VALUES.items():
            path = path.replace(f"<{name}>", value)
        paths.append(path)
    return sorted(set(paths))


def axe_violations(tab: Any) -> list[dict]:
    """Run axe-core on the page as it is now; the serious and critical violations."""
    if not tab.evaluate("() => typeof window.axe !== 'undefined'"):
        # The app's Content-Security-Policy blocks inline <script> tags but allows eval (Plotly needs it).
        tab.evaluate("(source) => { (0, eval)(source); }", AXE.read_text(encoding="utf-8"))
    result = tab.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
        TAGS,
    )
    return [v for v in result if v.get("impact") in BLOCKING]


def blank_selects(tab: Any, path: str, theme: str, width: int) -> list[tuple[str, str, str]]:
    """Selects that show an empty box (e.g. dbc.Select's hidden placeholder chosen for the value "")."""
    ids = tab.evaluate(
        """() => [...document.querySelectorAll('select')]
            .filter(s => s.offsetParent !== null && !(s.options[s.selectedIndex]?.textContent || '').trim())
            .map(s => s.id || s.name || '(no id)')"""
    )
    return [(path, "blank-select", f"{path} [{theme}, {width}px] blank-select: {i}") for i in ids]


def overflow(tab: Any, path: str, theme: str) -> list[tuple[str, str, str]]:
    """A page wider than the phone's screen (it scrolls sideways), reported like a violation."""
    width = tab.evaluate("() => document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return []
    line = f"{path} [{theme}, {PHONE['width']}px] horizontal-overflow: the page is {width}px wide"
    return [(path, "horizontal-overflow", line)]


def describe(path: str, theme: str, width: int, violations: list[dict]) -> list[tuple[str, str, str]]:
    """(path, rule, readable line) per violation."""
    lines = []
    for v in violations:
        targets = [", ".join(map(str, n["target"])) for n in v["nodes"][:4]]
        line = f"{path} [{theme}, {width}px] {v['id']} ({v['impact']}, {len(v['nodes'])}x): {targets}"
        lines.append((path, v["id"], line))
    return lines


def findings(tab: Any, path: str, theme: str, width: int) -> list[tuple[str, str, str]]:
    """Everything this module checks on the page as it is now: axe-core, blank selects, and at phone width
    sideways scrolling."""
    found = describe(path, theme, width, axe_violations(tab)) + blank_selects(tab, path, theme, width)
    return found + (overflow(tab, path, theme) if width == PHONE["width"] else [])


def triage(
    found: list[tuple[str, str, str]], known: dict[tuple[str, str], str]
) -> tuple[list[str], list[str]]:
    """The violations not listed in `known`, and the `known` entries that no longer occur."""
    unexpected = [line for path, rule, line in found if (path, rule) not in known]
    seen = {(path, rule) for path, rule, _ in found}
    fixed = [f"{path} {rule} ({why})" for (path, rule), why in known.items() if (path, rule) not in seen]
    return unexpected, fixed


def test_triage_fails_on_new_violations_and_on_known_ones_that_are_gone() -> None:
    found = [("/a", "label", "/a label"), ("/b", "list", "/b list")]
    known = {("/a", "label"): "open", ("/c", "region"): "fixed since"}
    assert triage(found, known) == (["/b list"], ["/c region (fixed since)"])


def themes_and_widths(tab: Any) -> Iterator[tuple[str, dict[str, int]]]:
    """Put the page in each theme at desktop then phone width, yielding (theme, viewport) each time."""
    for theme in ("light", "dark"):
        tab.set_viewport_size(DESKTOP)  # the user menu (theme switch) is folded away at phone width
        _set_theme(tab, theme)
        for viewport in (DESKTOP, PHONE):
            tab.set_viewport_size(viewport)
            yield theme, viewport


def _set_theme(tab: Any, theme: str) -> None:
    current = tab.evaluate("document.documentElement.getAttribute('data-bs-theme')")
    if current != theme:
        tab.click("#user-menu")
        tab.click("#theme-switch")
        tab.wait_for_function(f"() => document.documentElement.getAttribute('data-bs-theme') === '{theme}'")
        tab.keyboard.press("Escape")


@pytest.mark.slow
def test_every_page_passes_axe_and_fits_a_phone_in_both_themes(
    page: Any,
    app: Flask,
    ui_book: dict[str, str],  # noqa: F811  (the fixture imported above)
) -> None:
    ui_login(page, ui_book["admin"])
    found: list[tuple[str, str, str]] = []
    paths = page_paths(app)
    assert len(paths) >= 10, paths
    paths += WITH_FILTERS
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("", encoding="utf-8")
    for theme, viewport in themes_and_widths(page):
        for path in paths:
            page.goto(path)
            settle(page)
            lines = findings(page, path, theme, viewport["width"])
            with REPORT.open("a", encoding="utf-8") as report:  # written as it goes: the run is long
                report.writelines(line + "\n" for _, _, line in lines)
            found += lines
    unexpected, fixed = triage(found, KNOWN)
    assert not unexpected, "axe-core found serious or critical violations:\n" + "\n".join(unexpected)
    assert not fixed, "No longer found; remove these from KNOWN:\n" + "\n".join(fixed)


def test_the_login_page_passes_axe(page: Any) -> None:
    page.goto("/login")
    found = [line for _, _, line in describe("/login", "light", DESKTOP["width"], axe_violations(page))]
    assert not found, json.dumps(found, indent=1)
