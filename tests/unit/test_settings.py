import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashapp.settings import Settings, SettingsError, normalise_database_url


def env(**kw: str) -> dict[str, str]:
    return {"HEALTHDASH_DATA_DIR": "/tmp/healthdash-settings-test", **kw}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgresql://app@db.example.com:5432/health",
            "postgresql+psycopg://app@db.example.com:5432/health",
        ),
        ("postgres://u:p@h/d", "postgresql+psycopg://u:p@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("  postgresql://u@h/d  ", "postgresql+psycopg://u@h/d"),
    ],
)
def test_database_url_forms_from_hosting_providers_are_accepted(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


@pytest.mark.parametrize("bad", ["mysql://u@h/d", "sqlite:///x.db", "not a url", "postgresql://"])
def test_database_url_that_is_not_postgres_is_refused_with_a_clear_message(bad: str) -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        normalise_database_url(bad)


def test_defaults_mean_embedded_servers_and_a_development_secret(tmp_path: Path) -> None:
    s = Settings.from_env({"HEALTHDASH_DATA_DIR": str(tmp_path)})
    assert s.database_url is None and s.uses_embedded_database
    assert s.redis_url is None and s.uses_embedded_redis
    assert s.port == 8050
    assert s.env == "development"
    assert len(s.secret_key) == 64
    # the generated key is kept, so sessions survive a restart
    assert Settings.from_env({"HEALTHDASH_DATA_DIR": str(tmp_path)}).secret_key == s.secret_key


def test_values_are_read_from_the_environment(tmp_path: Path) -> None:
    s = Settings.from_env(
        {
            "HEALTHDASH_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://u@db:5432/x",
            "REDIS_URL": "redis://cache:6379/2",
            "SECRET_KEY": "k" * 32,
            "PORT": "9000",
            "HEALTHDASH_ENV": "production",
            "CORS_ORIGINS": "https://a.example, https://b.example",
        }
    )
    assert s.database_url == "postgresql+psycopg://u@db:5432/x"
    assert s.redis_url == "redis://cache:6379/2"
    assert s.port == 9000
    assert s.is_production and s.session_cookie_secure
    assert s.cors_origins == ("https://a.example", "https://b.example")
    assert s.data_dir == tmp_path.resolve()


def test_production_without_secret_key_fails_fast(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY is not set"):
        Settings.from_env({"HEALTHDASH_DATA_DIR": str(tmp_path), "HEALTHDASH_ENV": "production"})


def test_production_refuses_a_short_secret(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="too short"):
        Settings.from_env(
            {"HEALTHDASH_DATA_DIR": str(tmp_path), "HEALTHDASH_ENV": "production", "SECRET_KEY": "x"}
        )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORT", "eighty", "PORT='eighty' is not a whole number"),
        ("PORT", "70000", "PORT=70000 is out of range"),
        ("HEALTHDASH_ENV", "staging", "HEALTHDASH_ENV='staging' must be one of"),
        ("REDIS_URL", "http://cache", "is not a Redis URL"),
        ("SESSION_COOKIE_SECURE", "maybe", "is not a boolean"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD'"),
    ],
)
def test_malformed_values_name_the_variable(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")):
        Settings.from_env({"HEALTHDASH_DATA_DIR": str(tmp_path), name: value})


def test_reading_settings_has_no_side_effect_at_import() -> None:
    # A fresh interpreter: reloading the module here would swap SettingsError under other tests.
    probe = (
        "import dashapp.settings as m; assert not hasattr(m, 'settings'), 'module-level settings instance'"
    )
    subprocess.run(
        [sys.executable, "-c", probe], check=True, timeout=120, env={**os.environ, "SECRET_KEY": ""}
    )


def test_trusted_proxies_default_to_localhost_and_can_be_set(tmp_path: Path) -> None:
    assert Settings.from_env({"HEALTHDASH_DATA_DIR": str(tmp_path)}).forwarded_allow_ips == "127.0.0.1"
    s = Settings.from_env({"HEALTHDASH_DATA_DIR": str(tmp_path), "FORWARDED_ALLOW_IPS": "*"})
    assert s.forwarded_allow_ips == "*"
