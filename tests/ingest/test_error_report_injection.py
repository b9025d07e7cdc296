"""The import error report repeats rejected cells as text: formula cells are neutralised (OWASP)."""

from __future__ import annotations

import csv
import io

from dashapp.ingest.csv_import import ImportOptions, error_report_lines, run_import
from models.db import Database


def test_error_report_cells_cannot_run_as_formulas(committed: Database, tmp_path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("id,name,mrr\na-1,Acme,\"=1+cmd|' /C calc'!A0\"\na-2,Beta,-5\n@x,,12\n", encoding="utf-8")
    result = run_import(committed, path, ImportOptions(kind="accounts"))
    text = "".join(error_report_lines(committed, result["import_id"]))
    rows = list(csv.DictReader(io.StringIO(text)))
    values = {r["value"] for r in rows}
    assert "'=1+cmd|' /C calc'!A0" in values and "'-5" in values
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())
