"""Real data: the UCI Online Retail files import with counts and revenue matching their README exactly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from dashapp.ingest.online_retail import import_files
from models.db import Database


def _shared_data() -> Path:
    """`../shared/data` beside the checkout (or beside a folder holding it, for a worktree)."""
    for parent in Path(__file__).resolve().parents[2].parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return Path("../shared/data")


DATA = _shared_data()
FILE_2011 = DATA / "online_retail_2010-12_2011-12.csv.gz"
FILE_2010 = DATA / "online_retail_II_2009-12_2010-12.csv.gz"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not FILE_2011.exists(), reason=f"{FILE_2011} is not here")]


def _one(db: Database, sql: str):
    with db.engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_online_retail_figures_match_the_readme(committed: Database) -> None:
    result = import_files(committed, [FILE_2011])
    assert (result["accounts"], result["invoices"], result["events"]) == (4_372, 25_900, 541_909)
    # The README's figures: 25,900 invoices, 4,372 customers, and sum(Quantity x UnitPrice) over every line
    # (lines without a customer included) of 9,747,747.93. Invoices carry their lines' sum rounded to cents
    # (cancellations negative), so they add up to the same 9,747,747.93; the lines themselves, kept as
    # events, add up to the exact 9,747,747.934.
    assert _one(committed, "SELECT count(*) FROM invoices WHERE external_id LIKE 'retail-%'") == 25_900
    assert _one(committed, "SELECT count(*) FROM accounts WHERE external_id LIKE 'retail-%'") == 4_372
    assert _one(committed, "SELECT sum(amount) FROM invoices") == Decimal("9747747.93")
    lines = "SELECT sum((properties->>'quantity')::numeric * (properties->>'unit_price')::numeric) FROM usage_events"
    assert _one(committed, lines) == Decimal("9747747.934")
    assert _one(committed, "SELECT count(*) FROM usage_events") == 541_909
    assert _one(committed, "SELECT count(*) FROM invoices WHERE account_id IS NULL") == 3_710
    assert _one(committed, "SELECT count(*) FROM invoices WHERE status = 'refunded' AND amount < 0") > 3_000
    assert _one(committed, "SELECT count(DISTINCT account_id) FROM usage_events") == 4_372
    assert _one(committed, "SELECT count(*) FROM rollup_pending") > 0

    # The previous year's file overlaps on 2010-12-01..09 (22,523 lines): those lines are stored once.
    earlier = import_files(committed, [FILE_2010])
    assert earlier["overlap"] == 22_523
    assert _one(committed, "SELECT count(*) FROM usage_events") == 541_909 + 525_461 - 22_523
    assert _one(committed, "SELECT sum(amount) FROM invoices WHERE issued_at >= '2010-12-01'") == Decimal(
        "9747747.93"
    )
    # Importing again changes nothing.
    again = import_files(committed, [FILE_2011])
    assert (again["events_new"], again["overlap"]) == (0, 541_909)
