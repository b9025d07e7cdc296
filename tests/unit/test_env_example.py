""".env.example documents every variable that dashapp/settings.py reads."""

import re

from dashapp import PROJECT_ROOT

SETTINGS_SOURCE = (PROJECT_ROOT / "dashapp" / "settings.py").read_text()
EXAMPLE = (PROJECT_ROOT / ".env.example").read_text()


def _variables_read_by_settings() -> set[str]:
    direct = re.findall(r'env\.get\(\s*"([A-Z][A-Z0-9_]+)"', SETTINGS_SOURCE)
    helpers = re.findall(r'_(?:int|bool|list)\(\s*env,\s*"([A-Z][A-Z0-9_]+)"', SETTINGS_SOURCE)
    return set(direct) | set(helpers)


def _documented() -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", EXAMPLE, flags=re.MULTILINE))


def test_settings_read_a_plausible_number_of_variables() -> None:
    assert {
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "HEALTHDASH_DATA_DIR",
        "PORT",
    } <= _variables_read_by_settings()


def test_every_setting_has_a_line_in_env_example() -> None:
    missing = sorted(_variables_read_by_settings() - _documented())
    assert missing == [], f"add these to .env.example: {missing}"


def test_env_example_documents_nothing_that_does_not_exist() -> None:
    unknown = sorted(_documented() - _variables_read_by_settings())
    assert unknown == [], f"not read by dashapp/settings.py: {unknown}"


def test_a_copied_env_example_changes_nothing_until_edited() -> None:
    active = [line for line in EXAMPLE.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert active == []
