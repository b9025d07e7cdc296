"""The Export control in headless Chromium: export the Accounts page as CSV on a real worker, follow the
progress, download the file; the Overview as a PDF snapshot."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest

from dashapp.saved_views import save_view
from models.db import Database
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_history
from tests.ui.conftest import ui_login

pytestmark = pytest.mark.ui


@pytest.fixture
def export_worker(test_env: dict[str, str]) -> Iterator[None]:
    """`healthdash worker` on the exports and reports queues."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashapp.cli.entry", "worker", "--queue", "exports", "--queue", "reports"],
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


@pytest.fixture
def export_book(live_db: Database) -> str:
    today = date.today()
    with live_db.transaction() as session:
        user = make_user(session, role="csm", name="Ellen Exporter")
        for i in range(24):
            account = make_account(
                session,
                external_id=f"ex-{i:02d}",
                name=f"Export Co {i:02d}",
                segment=("smb", "enterprise")[i % 2],
                mrr=Decimal(500 + 100 * i),
                renewal_date=today + timedelta(days=10 + 3 * i),
            )
            make_history(
                session, account, [30 + i + (d % 5) for d in range(35)], explanation_text=f"Why {i}."
            )
        save_view(session, user, name="Enterprise book", page="/", query="segment=enterprise")
        return user.email


def test_export_the_accounts_page_as_csv_and_download_it(
    page, export_book: str, export_worker, screenshot
) -> None:
    ui_login(page, export_book)
    page.goto("/accounts?segment=smb")
    page.wait_for_selector("#export-menu")
    page.click("#export-menu")
    page.click("#export-csv")
    link = page.wait_for_selector("#export-download", timeout=180_000)
    assert "12 rows" in page.inner_text("#export-status")
    screenshot(page, "exports-accounts-csv-ready")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("accounts_segment-smb_")
    text = download.path().read_text(encoding="utf-8")
    companion, _, body = text.partition("\n")
    assert companion.startswith("# healthdash · Accounts · Exported by Ellen Exporter")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 12 and {r["segment"] for r in rows} == {"smb"}


def test_export_the_overview_as_a_pdf(page, export_book: str, export_worker, screenshot) -> None:
    ui_login(page, export_book)
    page.goto("/?segment=enterprise")
    page.wait_for_selector("#kpi-accounts")
    page.click("#export-menu")
    page.click("#export-pdf-letter")
    link = page.wait_for_selector("#export-download", timeout=240_000)
    screenshot(page, "exports-overview-pdf-ready")
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    shown = page.inner_text("#kpi-accounts")
    assert "12" in shown and "Segment: enterprise" in text and "Renewals at risk" in text


def test_export_a_saved_view_and_preview_pause_a_report(
    page, export_book: str, export_worker, screenshot
) -> None:
    ui_login(page, export_book)
    page.goto("/views")
    page.wait_for_selector("#views-table")
    page.click("#views-table button:has-text('CSV')")
    link = page.wait_for_selector("#export-download", timeout=180_000)
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename.startswith("enterprise-book_segment-enterprise_")
    assert len(info.value.path().read_text().splitlines()) == 2 + 12

    page.goto("/reports")
    page.fill("#report-name", "Monday health")
    page.select_option("#report-view", label="Enterprise book (Overview)")
    page.fill("#report-recipients", "lead@example.test, not-an-address")
    page.click("#report-create")
    assert "'not-an-address' is not an email address" in page.inner_text("#report-error")
    page.fill("#report-recipients", "lead@example.test, vp@example.test")
    page.click("#report-create")
    page.wait_for_selector("#report-created")
    assert "Enterprise book (Overview)" in page.inner_text("#reports-table")
    page.click("#reports-table button:has-text('Preview')")
    link = page.wait_for_selector("#export-download", timeout=240_000)
    with page.expect_download() as info:
        link.click()
    text = subprocess.run(
        ["pdftotext", str(info.value.path()), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Monday health" in text and "Band migration since" in text and "Segment: enterprise" in text
    page.click("#reports-table button:has-text('Pause')")
    page.wait_for_selector("#reports-table button:has-text('Resume')")
    assert "paused" in page.inner_text("#reports-table")
    screenshot(page, "exports-reports-page")
