"""Every CSV the app writes neutralises formula cells (OWASP): text starting with = + - @ tab CR gets a
leading quote; numbers, negative ones included, stay numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import update

from dashapp.csvsafe import neutralise
from dashapp.settings import Settings
from models.account import Account
from models.db import Database
from models.health import HealthSnapshot
from tests.exports.conftest import seed
from tests.exports.test_export_jobs import _export

EVIL = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:  # newline="": a CR inside a cell stays a CR
        return list(csv.DictReader(io.StringIO(f.read().partition("\n")[2], newline="")))


def test_the_rule() -> None:
    assert [neutralise(v) for v in EVIL] == ["'" + v for v in EVIL]
    assert [neutralise(v) for v in (-12.5, -3, "plain", "", None, "a=b")] == [
        -12.5,
        -3,
        "plain",
        "",
        None,
        "a=b",
    ]


def test_account_list_csv_neutralises_text_and_keeps_negative_numbers(
    xsettings: Settings, xdb: Database
) -> None:
    book = seed(xdb, 12)
    with xdb.transaction() as session:
        for i, value in enumerate(EVIL):
            session.execute(
                update(Account)
                .where(Account.external_id == f"acct-{i:04d}")
                .values(name=value, industry=value)
            )
    _, path = _export(xsettings, xdb, book.owner.id, format="csv", page="/accounts", query="sort=name")
    rows = {r["external_id"]: r for r in _rows(path)}
    for i, value in enumerate(EVIL):
        row = rows[f"acct-{i:04d}"]
        assert row["name"] == "'" + value and row["industry"] == "'" + value
    negatives = [v for r in rows.values() for v in r.values() if v.startswith("-")]
    assert negatives, "the seeded book has falling accounts: some numeric cells are negative"
    assert all(float(v) < 0 for v in negatives)  # numbers, not quoted text


def test_history_csv_neutralises_the_explanation(xsettings: Settings, xdb: Database) -> None:
    book = seed(xdb, 6)
    with xdb.transaction() as session:
        session.execute(update(HealthSnapshot).values(explanation_text="=cmd|' /C calc'!A0"))
    _, path = _export(
        xsettings, xdb, book.owner.id, format="csv", page="/accounts/acct-0001", query="period=30"
    )
    rows = _rows(path)
    assert rows and {r["why"] for r in rows} == {"'=cmd|' /C calc'!A0"}
