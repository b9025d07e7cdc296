"""Cohort retention figures against values worked out by hand (logo retention, GRR, NRR, elapsed months)."""

from __future__ import annotations

from datetime import date

import pytest

from dashapp.analytics.cohorts import cohort_tables

JAN, MAR = date(2026, 1, 1), date(2026, 3, 1)


def _row(matrix, split, label) -> list[float]:
    return [round(v, 6) for v in matrix.loc[(split, label)].dropna().tolist()]


def test_logo_grr_and_nrr_by_month_only_for_elapsed_months() -> None:
    sizes = [
        {"split": "smb", "cohort": JAN, "accounts": 4, "mrr0": 400},
        {"split": "smb", "cohort": MAR, "accounts": 2, "mrr0": 0},  # no revenue: no GRR/NRR
        {"split": "enterprise", "cohort": JAN, "accounts": 1, "mrr0": 1000},
    ]
    churns = [
        {"split": "smb", "cohort": JAN, "month": 2, "accounts": 1},  # one of four churns in month 2
        {"split": "enterprise", "cohort": JAN, "month": 30, "accounts": 1},  # beyond the window: not counted
    ]
    revenue = [
        {"split": "smb", "cohort": JAN, "month": 0, "revenue": 400, "kept": 400},
        {"split": "smb", "cohort": JAN, "month": 1, "revenue": 500, "kept": 400},  # expansion: NRR only
        {"split": "smb", "cohort": JAN, "month": 2, "revenue": 300, "kept": 300},
        {"split": "enterprise", "cohort": JAN, "month": 1, "revenue": 1000, "kept": 1000},
    ]
    tables = cohort_tables(sizes, churns, revenue, today=date(2026, 3, 20), max_months=24)

    assert list(tables.logos.columns) == [0, 1, 2]  # March is month 2 of January: later months trimmed
    assert _row(tables.logos, "smb", "2026-01") == [100.0, 100.0, 75.0]
    assert _row(tables.nrr, "smb", "2026-01") == [100.0, 125.0, 75.0]
    assert _row(tables.grr, "smb", "2026-01") == [100.0, 100.0, 75.0]
    assert _row(tables.logos, "smb", "2026-03") == [100.0]  # only month 0 has elapsed
    assert _row(tables.nrr, "smb", "2026-03") == []
    assert _row(tables.logos, "enterprise", "2026-01") == [100.0, 100.0, 100.0]
    assert _row(tables.nrr, "enterprise", "2026-01") == [0.0, 100.0, 0.0]  # no invoice in months 0 and 2
    assert tables.sizes.loc[("smb", "2026-01")] == 4


def test_a_churn_dated_before_the_cohort_counts_from_month_zero() -> None:
    sizes = [{"split": None, "cohort": JAN, "accounts": 2, "mrr0": 0}]
    churns = [{"split": None, "cohort": JAN, "month": -1, "accounts": 1}]
    tables = cohort_tables(sizes, churns, [], today=date(2026, 2, 10), max_months=24)
    assert _row(tables.logos, None, "2026-01") == pytest.approx([50.0, 50.0])


def test_no_cohorts_gives_empty_tables() -> None:
    tables = cohort_tables([], [], [], today=date(2026, 3, 20))
    assert tables.logos.empty and tables.sizes.empty
