"""`healthdash privacy export|erase` in a child process, on committed rows (emptied after each test)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from models.account import Contact
from models.audit import AuditLog
from models.db import Database
from tests.privacy.subject import EMAIL, Subject, make_subject
from tests.support.cli import healthdash, one_line_error
from tests.support.database import truncate_all


@pytest.fixture
def subject(db: Database) -> Iterator[Subject]:
    with db.transaction() as session:
        made = make_subject(session, prefix="cli")
    yield made
    truncate_all(db.engine)


def test_export_writes_the_archive_for_a_contact_and_an_account(
    test_env: dict[str, str], subject: Subject, tmp_path: Path
) -> None:
    target = tmp_path / "ada.zip"
    done = healthdash(test_env, "privacy", "export", "--contact", EMAIL, "--output", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(target) and "usage_events 3" in done.stderr
    with zipfile.ZipFile(target) as zf:
        assert json.loads(zf.read("manifest.json"))["tables"]["survey_responses"] == 1

    done = healthdash(test_env, "privacy", "export", "--account", str(subject.account_id), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = tmp_path / done.stdout.strip()
    with zipfile.ZipFile(written) as zf:
        assert {"accounts.csv", "invoices.csv", "payments.csv"} <= set(zf.namelist())


def test_bad_input_is_one_line_naming_the_option(test_env: dict[str, str], subject: Subject) -> None:
    line = one_line_error(healthdash(test_env, "privacy", "export", "--contact", "nobody@example.org"))
    assert line.startswith("Error: --contact:") and "nobody@example.org" in line
    line = one_line_error(healthdash(test_env, "privacy", "export"))
    assert "exactly one of --contact" in line
    line = one_line_error(
        healthdash(test_env, "privacy", "erase", "--contact", "nobody@example.org", "--yes")
    )
    assert line.startswith("Error: --contact: there is no contact with email")


def test_erase_asks_then_erases_once(test_env: dict[str, str], subject: Subject, db: Database) -> None:
    refused = healthdash(test_env, "privacy", "erase", "--contact", EMAIL, stdin="n\n")
    assert refused.returncode == 1
    with db.transaction() as session:
        assert session.get(Contact, subject.contact_id).email == EMAIL  # type: ignore[union-attr]

    done = healthdash(test_env, "privacy", "erase", "--contact", EMAIL, "--yes")
    assert done.returncode == 0, done.stderr
    assert "Erased 1 contact(s): 3 events" in done.stdout
    again = healthdash(test_env, "privacy", "erase", "--contact", EMAIL, "--yes")
    assert again.returncode == 0 and again.stdout.startswith("Nothing left to erase")
    with db.transaction() as session:
        assert session.get(Contact, subject.contact_id).email is None  # type: ignore[union-attr]
        entry = session.scalars(select(AuditLog).where(AuditLog.action == "privacy.erase")).one()
        assert entry.actor == "cli" and entry.object_id in done.stdout
