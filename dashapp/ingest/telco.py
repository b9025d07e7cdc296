"""Real data: the IBM "Telco Customer Churn" sample as a book with churn history and custom attributes only.

Each customer becomes an account `telco-<customerID>` (named by its id) through the ordinary accounts CSV
import; the 19 attributes become custom attributes as they are (`TotalCharges` blank for the 11 new
customers), and `Churn = Yes` becomes `churned_at` on the file's reference date (the sample marks who
"left within the last month", without a date). No usage, support or billing history: a churn model on
this book reads account fields and custom attributes only.
"""

from __future__ import annotations

import csv
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from dashapp.ingest.csv_import import ImportOptions, run_import
from models.db import Database

PREFIX = "telco-"
ID_COLUMN, LABEL_COLUMN = "customerID", "Churn"


def convert(source: Path, target: Path, churned_on: date) -> int:
    """Write the accounts CSV for `source`; returns the number of customers."""
    count = 0
    with (
        source.open(newline="", encoding="utf-8") as src,
        target.open("w", newline="", encoding="utf-8") as out,
    ):
        reader = csv.DictReader(src)
        header = list(reader.fieldnames or [])
        missing = {ID_COLUMN, LABEL_COLUMN} - set(header)
        if missing:
            raise ValueError(
                f"{source.name}: not the Telco churn file (no {', '.join(sorted(missing))} column)"
            )
        attributes = [c for c in header if c not in (ID_COLUMN, LABEL_COLUMN)]
        # Not guarded like the CSV files people open (dashapp.csvsafe): this temporary file only feeds our
        # own importer, which must read the values exactly as the source file had them.
        writer = csv.writer(out)
        writer.writerow(["external_id", "name", "churned_at", *(f"custom.{c}" for c in attributes)])
        for row in reader:
            customer = row[ID_COLUMN].strip()
            churned = row[LABEL_COLUMN].strip().lower() == "yes"
            writer.writerow(
                [
                    PREFIX + customer,
                    f"Telco customer {customer}",
                    churned_on.isoformat() if churned else "",
                    *(row[c].strip() for c in attributes),
                ]
            )
            count += 1
    return count


def import_file(db: Database, path: Path | str, *, churned_on: date | None = None) -> dict[str, Any]:
    """Import the Telco file as accounts; returns the import summary."""
    path = Path(path)
    churned_on = churned_on or datetime.now(UTC).date()
    with tempfile.TemporaryDirectory() as folder:
        converted = Path(folder) / "telco_accounts.csv"
        convert(path, converted, churned_on)
        return run_import(db, converted, ImportOptions(kind="accounts", filename=path.name))
