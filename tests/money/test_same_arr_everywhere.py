"""A book billing in USD, EUR and GBP shows one ARR, converted at the loaded ECB rates, on the Overview page,
in the CSV export, the PDF snapshot, the API and the emailed report; and each account shows both amounts."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from components.format import format_exact_money
from dashapp.exports.csvfile import write_csv
from dashapp.exports.pdf import build_pdf
from dashapp.exports.sections import snapshot_sections
from dashapp.exports.target import from_page
from dashapp.reports import service as reports
from dashapp.tokens import create_token
from tests.explore.test_page_functions import controls, text_of
from tests.money.support import money_book
from tests.support.factories import make_account, make_user

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
CENT = Decimal("0.01")


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


@needs_poppler
def test_one_arr_on_the_overview_csv_pdf_api_and_report(
    session: Session, client: FlaskClient, as_user, page, tmp_path: Path
) -> None:
    book = money_book(session)
    expected = book.expected_arr.quantize(CENT)
    exact = format_exact_money(expected, "USD")
    naive = format_exact_money(book.naive_arr, "USD")
    assert exact != naive

    # The Overview page, as it first renders and as its filter callback redraws it.
    with as_user("viewer"):
        overview = page("overview")
        shown = text_of(overview.layout())
        values, ids = controls()
        redrawn = text_of(overview.update(values, "light", ids)[0])
    assert exact in shown and exact in redrawn and naive not in shown
    assert "Missing exchange rates" not in shown

    # The CSV export of the Overview: each account's native amounts and the converted ones.
    path = tmp_path / "overview.csv"
    write_csv(session, from_page("/", ""), path, "companion")
    rows = list(csv.DictReader(io.StringIO(path.read_text().partition("\n")[2])))
    assert {(r["currency"], r["arr"]) for r in rows} == {
        ("USD", "120000.00"),
        ("EUR", "96000.00"),
        ("GBP", "60000.00"),
    }
    assert {r["reporting_currency"] for r in rows} == {"USD"}
    assert sum(Decimal(r["arr_reporting"]) for r in rows).quantize(CENT) == expected

    # The PDF snapshot of the Overview.
    pdf = io.BytesIO()
    build_pdf(snapshot_sections(session, from_page("/", "")), title="Overview", meta_lines=[], out=pdf)
    assert exact in _pdf_text(pdf.getvalue(), tmp_path)

    # The API: the Overview's figures, and one account with both amounts.
    owner = make_user(session, role="viewer")
    secret = create_token(session, owner, name="money", scope="read").secret
    session.flush()
    auth = {"Authorization": f"Bearer {secret}"}
    kpis = client.get("/api/v1/kpis", headers=auth).get_json()
    assert kpis["currency"] == "USD" and kpis["fx_warnings"] == []
    assert Decimal(str(kpis["arr"])).quantize(CENT) == expected
    gbp = client.get("/api/v1/accounts/fx-gbp", headers=auth).get_json()
    assert (gbp["arr"], gbp["currency"], gbp["reporting_currency"]) == ("60000.00", "GBP", "USD")
    assert Decimal(gbp["arr_reporting"]) == pytest.approx(
        Decimal(60000) * Decimal("1.0875") / Decimal("0.8386")
    )
    listed = client.get("/api/v1/accounts?limit=10", headers=auth).get_json()
    assert sum(Decimal(a["arr_reporting"]) for a in listed["data"]).quantize(CENT) == expected

    # The scheduled report's PDF and its email summary.
    manager = make_user(session, role="manager")
    schedule = reports.create_schedule(
        session, manager, name="Weekly money", frequency="weekly", recipients=manager.email
    )
    data, summary, _path = reports.report_pdf(session, schedule)
    assert exact in _pdf_text(data, tmp_path)
    assert any(exact in line for line in summary)


def test_the_account_page_shows_the_billed_and_the_converted_arr(session: Session, as_user, page) -> None:
    money_book(session)
    with as_user("viewer"):
        shown = text_of(page("account").layout(external_id="fx-gbp"))
    converted = Decimal(60000) * Decimal("1.0875") / Decimal("0.8386")
    assert json.dumps(f"£60,000 (${converted:,.0f})")[1:-1] in shown  # as the JSON of the page escapes it


def test_a_missing_rate_is_named_on_the_overview_and_in_the_api(
    session: Session, client: FlaskClient, as_user, page
) -> None:
    book = money_book(session)
    make_account(session, external_id="fx-nok", name="Billed in NOK", mrr=Decimal("700"), currency="NOK")
    with as_user("viewer"):
        shown = text_of(page("overview").layout())
    assert "Missing exchange rates" in shown and "no NOK rate on or before" in shown
    assert format_exact_money(book.expected_arr, "USD") in shown  # NOK left out, never added 1:1
    owner = make_user(session, role="viewer")
    secret = create_token(session, owner, name="money", scope="read").secret
    session.flush()
    auth = {"Authorization": f"Bearer {secret}"}
    body = client.get("/api/v1/accounts/fx-nok", headers=auth).get_json()
    assert body["arr_reporting"] is None and body["fx_warnings"][0].startswith("no NOK rate on or before")
    assert client.get("/api/v1/kpis", headers=auth).get_json()["fx_warnings"][0].startswith("no NOK rate")
