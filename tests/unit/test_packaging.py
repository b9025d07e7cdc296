"""A wheel install (the Docker image) ships what the app reads from disk: assets, templates, migrations."""

import fnmatch
import tomllib
from pathlib import Path

from dashapp import ASSETS_DIR, PROJECT_ROOT

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _shipped(path: Path) -> bool:
    """Whether setuptools' package-data patterns carry this non-Python file of a package directory."""
    package = ".".join(path.parent.relative_to(PROJECT_ROOT).parts)
    top = package.split(".")[0]
    if not any(fnmatch.fnmatch(top, pattern) for pattern in SETUPTOOLS["packages"]["find"]["include"]):
        return False
    patterns = SETUPTOOLS["package-data"].get("*", []) + SETUPTOOLS["package-data"].get(package, [])
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns)


def test_every_asset_and_template_is_package_data() -> None:
    files = [p for p in ASSETS_DIR.rglob("*") if p.is_file()]
    files += [p for p in (PROJECT_ROOT / "dashapp" / "templates").rglob("*") if p.is_file()]
    assert files
    missing = [str(p.relative_to(PROJECT_ROOT)) for p in files if not _shipped(p)]
    assert missing == [], f"not in the wheel: {missing}"


def test_migration_template_is_package_data() -> None:
    assert _shipped(PROJECT_ROOT / "migrations" / "script.py.mako")


def test_the_console_script_is_declared() -> None:
    assert PYPROJECT["project"]["scripts"]["healthdash"] == "dashapp.cli:main"


def test_the_common_password_list_is_package_data() -> None:
    from dashapp.auth.passwords import COMMON_PASSWORDS_FILE

    assert COMMON_PASSWORDS_FILE.exists()
    assert _shipped(COMMON_PASSWORDS_FILE)
