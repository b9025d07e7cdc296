"""The rule for UI pieces (docs/ui.md): `components/` holds pure `make_*` factories (no database, no login,
no callbacks), `dashapp/ui/` holds callbacks and database access, and imports never run back up."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(folder: str) -> dict[str, set[str]]:
    """Every module a folder's files import (module level and inside functions)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).glob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[path.name] = names
    return found


def _offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{file} imports {name}"
        for file, names in _imports(folder).items()
        for name in sorted(names)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


def test_components_are_pure_factories() -> None:
    forbidden = (
        "dashapp.ui",
        "dashapp.auth",
        "dashapp.extensions",
        "sqlalchemy",
        "flask_login",
        "flask",
        "pages",
        "jobs",
    )
    assert _offenders("components", forbidden) == []
    for path in (ROOT / "components").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "callback(" not in text and "db_session" not in text, path.name


def test_ui_and_auth_do_not_import_pages_or_each_other_in_a_cycle() -> None:
    assert _offenders("dashapp/ui", ("pages",)) == []
    assert _offenders("dashapp/auth", ("pages", "dashapp.ui")) == []


def test_the_explore_registry_needs_no_dash_app() -> None:
    assert _offenders("dashapp/explore", ("dashapp.ui", "pages", "components", "flask_login")) == []
