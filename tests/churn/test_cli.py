"""`healthdash churn ...` and `healthdash import telco`, run as a user runs them, on a database of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashapp import migrate
from dashapp.services import libpq_url
from dashapp.settings import Settings
from models.db import Database
from tests.churn.support import seed_attribute_book
from tests.support.cli import healthdash, one_line_error
from tests.support.database import create_test_database, drop_database

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cli_url(server_settings: Settings) -> Iterator[str]:
    url = create_test_database(server_settings.database_url or "", prefix="hd_churn_cli")
    migrate.upgrade(url)
    yield url
    drop_database(url)


def test_train_score_list_activate_and_show(cli_url: str, test_env: dict[str, str], tmp_path) -> None:
    env = {**test_env, "DATABASE_URL": libpq_url(cli_url)}
    assert "No churn model yet" in healthdash(env, "churn", "models").stdout
    assert "train one first" in one_line_error(healthdash(env, "churn", "score"))
    assert "no active churn model" in one_line_error(healthdash(env, "churn", "card"))
    # An empty book cannot train: one line that says why.
    assert "no training rows" in one_line_error(healthdash(env, "churn", "train"))

    db = Database(cli_url)
    try:
        with db.transaction() as session:
            seed_attribute_book(session, accounts=300)
    finally:
        db.engine.dispose()
    first = healthdash(env, "churn", "train")
    assert first.returncode == 0, first.stderr
    assert "Churn model v1 (active)" in first.stdout and "ROC AUC" in first.stdout
    assert "Random stratified 25% hold-out" in first.stdout
    assert "Scored" in first.stdout
    second = healthdash(env, "churn", "train", "--no-score")
    assert "Churn model v2 (active)" in second.stdout and "Scored" not in second.stdout
    listed = healthdash(env, "churn", "models").stdout.splitlines()
    assert listed[0].startswith("* v2") and listed[1].startswith("  v1")
    assert "Version 1 is now the active" in healthdash(env, "churn", "activate", "1").stdout
    assert healthdash(env, "churn", "models").stdout.splitlines()[1].startswith("* v1")
    assert "Churn model v1 (active)" in healthdash(env, "churn", "card").stdout
    assert "no churn model version 7" in one_line_error(healthdash(env, "churn", "activate", "7"))
    assert "v1 as of" in healthdash(env, "churn", "score").stdout

    wrong = tmp_path / "not_telco.csv"
    wrong.write_text("id,name\n1,x\n")
    assert "not the Telco churn file" in one_line_error(healthdash(env, "import", "telco", str(wrong)))
