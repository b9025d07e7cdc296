"""The CSV import page in headless Chromium: upload, preview, import (on a real worker), download the report."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from models.account import Account
from models.db import Database
from tests.support.factories import make_user
from tests.ui.conftest import ui_login

pytestmark = pytest.mark.ui

CSV = (
    "Account ID,Company,Plan,MRR,Renewal Date,Region\n"
    "ui-1,Acme,scale,1200,2025-06-30,EMEA\n"
    "ui-2,Globex,growth,lots,2025-07-31,AMER\n"
    "ui-3,Initech,starter,99,2025-02-30,APAC\n"
    "ui-4,Umbrella,scale,500,2025-09-30,EMEA\n"
)


@pytest.fixture
def worker(test_env: dict[str, str]) -> Iterator[None]:
    """`healthdash worker` on the ingest queue, for the import job the page starts."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashapp.cli.entry", "worker", "--queue", "ingest"],
        env=test_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()  # reap it: a killed child left unwaited outlives the test


def test_upload_preview_import_and_download_the_error_report(
    page, live_db: Database, worker, screenshot, tmp_path: Path
) -> None:
    with live_db.transaction() as session:
        email = make_user(session, role="admin", email="ui-admin@example.com").email
    source = tmp_path / "book.csv"
    source.write_text(CSV)

    ui_login(page, email)
    page.goto("/admin/data")
    page.wait_for_selector("#import-upload")
    page.set_input_files("#import-upload input[type=file]", str(source))
    page.wait_for_selector("#import-preview-table")
    preview = page.inner_text("#import-preview-table")
    assert "Acme" in preview and "not a number" in preview and "not a date" in preview
    assert page.inner_text("#import-mapping-table").count("Company") == 1
    screenshot(page, "admin-data-preview")

    page.click("#import-start")
    page.wait_for_selector("#import-result", timeout=180_000)
    result = page.inner_text("#import-result")
    assert "2 new" in result and "2 refused" in result
    with page.expect_download() as download_info:
        page.click("#import-error-report")
    report = Path(download_info.value.path()).read_text()
    assert report.splitlines()[0] == "row,column,value,reason"
    assert "3,MRR,lots," in report and "4,Renewal Date,2025-02-30," in report
    page.wait_for_selector("#import-history")
    screenshot(page, "admin-data-imported")

    with live_db.transaction() as session:
        rows = dict(session.execute(select(Account.external_id, Account.name)).all())
    assert rows == {"ui-1": "Acme", "ui-4": "Umbrella"}

    page.reload()  # the freshness table: the import shows as today's data from its source
    row = page.locator(".freshness-row", has_text="CSV import: accounts")
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    assert cells[1] in ("just now", "1 min ago") and cells[2] == "2", cells
    assert "quiet" not in cells[1]
    screenshot(page, "admin-data-freshness")
