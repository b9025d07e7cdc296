import pytest

from dashapp.settings import Settings, SettingsError


def _env(**kw: str) -> dict[str, str]:
    return {"HEALTHDASH_DATA_DIR": "/tmp/healthdash-settings-test", **kw}


def test_event_api_waits_for_the_wal_flush_unless_told_otherwise() -> None:
    assert Settings.from_env(_env()).ingest_synchronous_commit is True
    assert Settings.from_env(_env(INGEST_SYNCHRONOUS_COMMIT="false")).ingest_synchronous_commit is False
    with pytest.raises(SettingsError, match="INGEST_SYNCHRONOUS_COMMIT"):
        Settings.from_env(_env(INGEST_SYNCHRONOUS_COMMIT="sometimes"))
