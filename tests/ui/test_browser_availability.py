"""Without Chromium the browser tests skip on a developer's machine but fail in CI, where it must be installed."""

import pytest

from tests.ui.conftest import _unavailable


def test_missing_browser_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium is missing"):
        _unavailable("chromium is missing")


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_missing_browser_fails_in_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="browser tests cannot run in CI: chromium is missing"):
        _unavailable("chromium is missing")
