"""The CSV import page in headless Chromium: upload, preview, import (a real worker), download the report.

The live server and browser fixtures here are local to this module until the shared UI fixtures land.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from models.account import Account
from models.db import Database
from tests.ingest.conftest import committed, live_url  # noqa: F401  (fixtures)
from tests.support.factories import PASSWORD, make_user

pytestmark = pytest.mark.ui
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update"]  # fmt: skip


@pytest.fixture
def worker(test_env: dict[str, str]) -> Iterator[None]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashapp.cli.entry", "worker", "--queue", "ingest"],
        env=test_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def page() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        tab = context.new_page()
        errors: list[str] = []
        tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        yield tab
        browser.close()
        assert errors == [], f"browser console errors: {errors}"


CSV = (
    "Account ID,Company,Plan,MRR,Renewal Date,Region\n"
    "ui-1,Acme,scale,1200,2025-06-30,EMEA\n"
    "ui-2,Globex,growth,lots,2025-07-31,AMER\n"
    "ui-3,Initech,starter,99,2025-02-30,APAC\n"
    "ui-4,Umbrella,scale,500,2025-09-30,EMEA\n"
)


def test_upload_preview_import_and_download_the_error_report(
    committed: Database,  # noqa: F811
    live_url: str,  # noqa: F811
    worker,
    page,
    tmp_path: Path,
) -> None:
    with committed.transaction() as session:
        admin = make_user(session, role="admin", email="ui-admin@example.com")
        email = admin.email
    ARTIFACTS.mkdir(exist_ok=True)
    source = tmp_path / "book.csv"
    source.write_text(CSV)

    page.goto(f"{live_url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/")
    page.goto(f"{live_url}/admin/data")
    page.wait_for_selector("#import-upload")
    page.set_input_files("#import-upload input[type=file]", str(source))
    page.wait_for_selector("#import-preview-table")
    preview = page.inner_text("#import-preview-table")
    assert "Acme" in preview and "not a number" in preview and "not a date" in preview
    assert page.inner_text("#import-mapping-table").count("Company") == 1
    page.screenshot(path=str(ARTIFACTS / "admin-data-preview.png"), full_page=True)

    page.click("#import-start")
    page.wait_for_selector("#import-result", timeout=60_000)
    result = page.inner_text("#import-result")
    assert "2 new" in result and "2 refused" in result
    with page.expect_download() as download_info:
        page.click("#import-error-report")
    report = Path(download_info.value.path()).read_text()
    assert report.splitlines()[0] == "row,column,value,reason"
    assert "3,MRR,lots," in report and "4,Renewal Date,2025-02-30," in report
    assert "import-history" in page.content()
    page.screenshot(path=str(ARTIFACTS / "admin-data-imported.png"), full_page=True)

    with committed.transaction() as session:
        rows = dict(session.execute(select(Account.external_id, Account.name)).all())
    assert rows == {"ui-1": "Acme", "ui-4": "Umbrella"}
