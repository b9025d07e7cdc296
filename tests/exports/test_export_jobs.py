"""Exports built by a real RQ worker on the real Redis: CSV row counts, the companion line, PDF text."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from components.format import format_count, format_money
from dashapp.exports.files import stored_path
from dashapp.filters import count_query, parse
from dashapp.queries import overview as overview_q
from dashapp.saved_views import save_view
from dashapp.settings import Settings
from jobs.exports import request_export
from models.db import Database
from models.export import Export
from models.job import JobRun
from models.user import User
from tests.exports.conftest import seed, work

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def _export(settings: Settings, db: Database, user_id: int, **request) -> tuple[Export, Path]:
    with db.transaction() as session:
        export = request_export(settings, db, session, session.get(User, user_id), **request)
        export_id = export.id
    work(settings, "exports")
    with db.transaction() as session:
        done = session.get(Export, export_id)
        run = session.get(JobRun, done.job_run_id)
        assert run.status == "finished", run.error
        assert done.status == "finished", done.error
        path = stored_path(settings, done)
        assert path is not None and path.is_file()
        return done, path


def _pdf_text(path: Path, layout: bool = False) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def test_csv_holds_every_row_the_filter_matches(xsettings: Settings, xdb: Database) -> None:
    book = seed(xdb, 60)
    query = "segment=smb&segment=enterprise&score_min=20&sort=-score"
    export, path = _export(xsettings, xdb, book.owner.id, format="csv", page="/accounts", query=query)
    with xdb.transaction() as session:
        expected = session.scalar(count_query(parse(query, extra_keys=("sort",))[0]))
    assert 0 < expected < 60
    text = path.read_text(encoding="utf-8")
    companion, _, body = text.partition("\n")
    assert companion.startswith("# healthdash · Accounts · Exported by Olive Owner on ")
    assert "Segment: enterprise or smb" in companion and "Score at least 20" in companion
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == expected == export.rows
    assert {r["segment"] for r in rows} == {"smb", "enterprise"}
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    # Numbers unformatted: plain decimals, no separators or currency.
    assert all("," not in r["arr"] and "$" not in r["arr"] for r in rows)
    assert float(rows[0]["arr"]) == pytest.approx(float(rows[0]["mrr"]) * 12)
    assert export.filename.startswith("accounts_segment-enterprise-segment-smb-score-min-20_")
    assert export.filename.endswith("Z.csv")


def test_csv_of_a_saved_view_and_of_an_account_history(xsettings: Settings, xdb: Database) -> None:
    book = seed(xdb, 30)
    with xdb.transaction() as session:
        view = save_view(
            session, session.get(User, book.owner.id), name="Big smb", page="/accounts", query="segment=smb"
        )
        view_id = view.id
    export, path = _export(xsettings, xdb, book.owner.id, format="csv", view_id=view_id)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 + 10 and export.rows == 10
    _, history = _export(
        xsettings, xdb, book.owner.id, format="csv", page="/accounts/acct-0003", query="period=30"
    )
    rows = list(csv.DictReader(io.StringIO(history.read_text().partition("\n")[2])))
    assert len(rows) == 30
    assert list(rows[0]) == ["day", "score", "band", "overridden", "why"]


@needs_poppler
def test_overview_pdf_shows_the_page_numbers_and_every_table_row(xsettings: Settings, xdb: Database) -> None:
    book = seed(xdb, 45)
    query = "segment=smb&segment=mid-market"
    _export_row, path = _export(xsettings, xdb, book.owner.id, format="pdf", page="/", query=query)
    filters = parse(query)[0]
    with xdb.transaction() as session:
        kpis = overview_q.kpis(session, filters)
        movers = overview_q.movers(session, filters)
        renewals = overview_q.renewals_at_risk(session, filters)
    text = _pdf_text(path)
    # The numbers as the Overview page shows them (same formatting helpers).
    assert format_count(kpis.accounts) in text
    assert format_money(kpis.arr) in text
    assert f"{kpis.avg_score:.1f}" in text
    red, yellow = kpis.arr_by_band.get("red", 0), kpis.arr_by_band.get("yellow", 0)
    assert format_money(red + yellow) in text
    assert "Segment: mid-market or smb" in text and "Exported by Olive Owner" in text
    for row in [*movers["down"], *movers["up"], *renewals]:
        assert row["name"] in text
    assert movers["down"] and renewals
    # Charts are vector drawings (their axis labels are text), not images.
    assert "Score distribution" in text and "Band migration" in text
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) == 2  # the header lines only: no raster images
    assert "Share of accounts (%)" in text


@needs_poppler
def test_accounts_pdf_has_every_row_with_headers_repeated_on_each_page(
    xsettings: Settings, xdb: Database
) -> None:
    book = seed(xdb, 150)
    export, path = _export(xsettings, xdb, book.owner.id, format="pdf", page="/accounts", paper="letter")
    text = _pdf_text(path)
    for i in range(150):
        assert f"Account {i:04d}" in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[-1])
    assert pages >= 3
    assert "612 x 792 pts (letter)" in info
    per_page = text.split("\f")
    assert all("Why it moved" in page for page in per_page if page.strip())
    assert export.rows == 150


def test_csv_quotes_awkward_text_and_binds_every_kind_of_filter(xsettings: Settings, xdb: Database) -> None:
    book = seed(xdb, 12)
    with xdb.transaction() as session:
        from models.account import Account

        account = session.query(Account).filter_by(external_id="acct-0004").one()
        account.name = 'O\'Brien, "Quoted"\nCo'
        account.custom_attributes = {"tier": "gold", "seats": 12}
    query = "q=o'brien&attr.tier=gold&attr.seats=>=10&owner=none&arr_min=1000&renewal_within=400"
    export, path = _export(xsettings, xdb, book.owner.id, format="csv", page="/accounts", query=query)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8").partition("\n")[2])))
    assert export.rows == len(rows) == 1
    assert rows[0]["name"] == 'O\'Brien, "Quoted"\nCo' and rows[0]["external_id"] == "acct-0004"


def test_files_past_their_retention_are_removed_by_the_periodic_job(
    xsettings: Settings, xdb: Database
) -> None:
    from datetime import UTC, datetime, timedelta

    from jobs.exports import remove_expired_exports
    from jobs.queues import enqueue
    from jobs.schedule import SCHEDULE

    periodic = next(p for p in SCHEDULE if p.func is remove_expired_exports)
    assert periodic.queue == "exports"
    book = seed(xdb, 5)
    old, old_path = _export(xsettings, xdb, book.owner.id, format="csv", page="/accounts")
    new, new_path = _export(xsettings, xdb, book.owner.id, format="csv", page="/accounts")
    assert new.expires_at - new.finished_at == timedelta(days=xsettings.export_retention_days)
    with xdb.transaction() as session:
        session.get(Export, old.id).expires_at = datetime.now(UTC) - timedelta(minutes=1)
    run = enqueue(
        xsettings, xdb, periodic.func, kind=periodic.kind, queue=periodic.queue, title=periodic.title
    )
    work(xsettings, "exports")
    with xdb.transaction() as session:
        assert session.get(JobRun, run.id).result == {"removed": 1}
        gone = session.get(Export, old.id)
        assert gone.status == "expired" and gone.path == ""
        assert session.get(Export, new.id).status == "finished"
    assert not old_path.exists() and new_path.exists()


@needs_poppler
@pytest.mark.parametrize(
    ("page", "query", "expect_csv", "expect_pdf"),
    [
        ("/accounts/acct-0002", "period=30", "day,score,band", "What makes up the score"),
        ("/cohorts", "split=segment", "measure,split,cohort", "Logo retention by cohort"),
        ("/compare", "set=segment%3Dsmb&set=segment%3Denterprise", "set,filters,accounts", "Side by side"),
    ],
)
def test_every_page_exports_as_csv_and_pdf(
    xsettings: Settings, xdb: Database, page: str, query: str, expect_csv: str, expect_pdf: str
) -> None:
    from dashapp.exports import service

    book = seed(xdb, 9)
    for fmt in ("csv", "pdf"):
        with xdb.transaction() as session:
            export = service.new_export(
                session, session.get(User, book.owner.id), format=fmt, page=page, query=query
            )
            service.build(session, xsettings, export)
            path = stored_path(xsettings, export)
        if fmt == "csv":
            assert path.read_text(encoding="utf-8").splitlines()[1].startswith(expect_csv)
        else:
            assert expect_pdf in _pdf_text(path)
