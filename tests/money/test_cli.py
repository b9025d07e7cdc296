"""`healthdash fx import FILE` and `healthdash fx list`, run as a user would (child processes)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from models.db import Database
from models.fx import FxRate
from tests.money.support import ecb_history
from tests.support.cli import healthdash, one_line_error

DAY = date(2026, 12, 4)


def _count(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(FxRate)) or 0


def test_fx_import_loads_both_ecb_files_idempotently_and_lists_them(
    committed: Database, test_env: dict[str, str], tmp_path: Path
) -> None:
    history = tmp_path / "eurofxref-hist.csv"
    history.write_text(ecb_history(DAY)[0])
    first = healthdash(test_env, "fx", "import", str(history))
    assert first.returncode == 0, first.stderr
    assert "Imported 10 rates for 2 currencies over 5 days (2026-11-30 to 2026-12-04)" in first.stdout
    again = healthdash(test_env, "fx", "import", str(history))
    assert again.returncode == 0 and _count(committed) == 10
    daily = tmp_path / "eurofxref.csv"
    daily.write_text("Date, USD, JPY, GBP, \n07 December 2026, 1.0901, 163.20, 0.8377, \n")
    assert healthdash(test_env, "fx", "import", str(daily)).returncode == 0
    assert _count(committed) == 13
    with committed.transaction() as session:
        assert session.get(FxRate, ("JPY", date(2026, 12, 7))).rate == Decimal("163.2")
    listed = healthdash(test_env, "fx", "list", "--currency", "USD", "--limit", "2")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "Reporting currency: USD"
    assert lines[1].split() == ["2026-12-07", "USD", "1.09010000", "ecb"]
    assert lines[2].split()[:2] == ["2026-12-04", "USD"] and len(lines) == 3


def test_a_bad_cell_names_its_line_and_column_and_nothing_is_written(
    committed: Database, test_env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "rates.csv"
    bad.write_text("Date,USD,GBP,\n2026-12-04,1.05,0.84,\n2026-12-03,1.04,n.a.,\n")
    error = one_line_error(healthdash(test_env, "fx", "import", str(bad)))
    assert error == f"Error: {bad}: line 3, column GBP: 'n.a.' is not a number"
    assert _count(committed) == 0
    binary = tmp_path / "rates.xlsx"
    binary.write_bytes(b"PK\x03\x04\xff\xfe")
    assert "not a UTF-8 text file" in one_line_error(healthdash(test_env, "fx", "import", str(binary)))
