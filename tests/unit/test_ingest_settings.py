import pytest

from dashapp.settings import Settings, SettingsError


def _env(**kw: str) -> dict[str, str]:
    return {"HEALTHDASH_DATA_DIR": "/tmp/healthdash-settings-test", **kw}


def test_event_api_commits_asynchronously_unless_told_otherwise() -> None:
    assert Settings.from_env(_env()).ingest_synchronous_commit is False
    assert Settings.from_env(_env(INGEST_SYNCHRONOUS_COMMIT="true")).ingest_synchronous_commit is True
    with pytest.raises(SettingsError, match="INGEST_SYNCHRONOUS_COMMIT"):
        Settings.from_env(_env(INGEST_SYNCHRONOUS_COMMIT="sometimes"))
