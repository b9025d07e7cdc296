"""The API's settings: rate limits read from the environment and checked."""

import pytest

from dashapp.settings import Settings, SettingsError


def test_rate_limits_default_and_parse() -> None:
    default = Settings.from_env({"HEALTHDASH_ENV": "test", "SECRET_KEY": "x" * 32})
    assert (default.api_rate_limit, default.api_ip_rate_limit) == ("600/minute", "1200/minute")
    custom = Settings.from_env(
        {"SECRET_KEY": "x" * 32, "API_RATE_LIMIT": "10 per second", "API_IP_RATE_LIMIT": "5000/hour"}
    )
    assert (custom.api_rate_limit, custom.api_ip_rate_limit) == ("10 per second", "5000/hour")


@pytest.mark.parametrize("value", ["lots", "10/fortnight", "/minute", "-5/minute"])
def test_a_malformed_rate_limit_is_one_clear_error(value: str) -> None:
    with pytest.raises(SettingsError, match="API_RATE_LIMIT"):
        Settings.from_env({"SECRET_KEY": "x" * 32, "API_RATE_LIMIT": value})
