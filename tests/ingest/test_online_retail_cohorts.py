"""First-purchase cohorts on the real Online Retail data, checked against plain pandas on the raw file."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashapp.analytics.activity_cohorts import activity_cohorts, last_complete_month
from dashapp.filters import Filters
from dashapp.ingest.online_retail import import_files
from dashapp.queries.cohorts import activity_rows
from jobs.rollup import drain
from models.db import Database
from tests.support.shared_data import shared_data

FILE_2011 = shared_data() / "online_retail_2010-12_2011-12.csv.gz"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not FILE_2011.exists(), reason=f"{FILE_2011} is not here")]


def _independent(path) -> tuple[pd.DataFrame, pd.Series]:
    """Retention by first-purchase month from the raw lines: % of a cohort's customers with any line in
    month k, complete months only (the file ends on 9 December 2011, so December is left out)."""
    raw = pd.read_csv(path, dtype={"CustomerID": str}, encoding="latin-1")
    raw = raw.dropna(subset=["CustomerID"])
    when = pd.to_datetime(raw["InvoiceDate"])
    raw["m"] = when.dt.year * 12 + when.dt.month - 1
    raw = raw[raw["m"] < 2011 * 12 + 11]  # up to November 2011
    first = raw.groupby("CustomerID")["m"].min()
    pairs = raw[["CustomerID", "m"]].drop_duplicates()
    pairs = pairs.assign(c=pairs["CustomerID"].map(first))
    pairs["k"] = pairs["m"] - pairs["c"]
    sizes = first.value_counts().sort_index()
    counts = pairs.groupby(["c", "k"]).size().unstack("k").fillna(0)
    table = counts.div(sizes, axis=0) * 100.0
    for c in table.index:
        table.loc[c, [k for k in table.columns if c + k > 2011 * 12 + 10]] = float("nan")
    table.index = [f"{c // 12}-{c % 12 + 1:02d}" for c in table.index]
    sizes.index = [f"{c // 12}-{c % 12 + 1:02d}" for c in sizes.index]
    return table, sizes


def test_first_purchase_retention_matches_pandas_on_every_cohort_and_month(committed: Database) -> None:
    import_files(committed, [FILE_2011])
    drain(committed)
    with committed.transaction() as session:
        rows, last_day = activity_rows(session, Filters(), split="")
    assert last_day == date(2011, 12, 9) and last_complete_month(last_day) == date(2011, 11, 1)
    page = activity_cohorts(pd.DataFrame(rows), last_day)
    expected, sizes = _independent(FILE_2011)
    ours = page.retention.xs("All", level=0)
    assert list(ours.index) == list(expected.index) and len(ours) == 12  # Dec 2010 .. Nov 2011
    assert page.sizes.xs("All", level=0).to_dict() == sizes.to_dict()
    for label in expected.index:
        for k in expected.columns:
            want, got = expected.loc[label, k], ours.loc[label, k]
            if pd.isna(want):
                assert pd.isna(got), (label, k)
            else:
                assert got == pytest.approx(want, abs=1e-9), (label, k)
    # Month 0 is everyone; the partial December is nowhere.
    assert (ours[0] == 100.0).all() and "2011-12" not in ours.index
