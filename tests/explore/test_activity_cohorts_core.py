"""Activity cohorts (pure): first-activity month, active-in-month-k retention, complete months only."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashapp.analytics.activity_cohorts import activity_cohorts, last_complete_month


def test_last_complete_month() -> None:
    assert last_complete_month(date(2011, 12, 9)) == date(2011, 11, 1)
    assert last_complete_month(date(2011, 11, 30)) == date(2011, 11, 1)
    assert last_complete_month(date(2012, 1, 1)) == date(2011, 12, 1)


def test_retention_is_share_active_in_month_k_with_sizes_and_no_partial_month() -> None:
    def m(text: str) -> date:
        return date.fromisoformat(text + "-01")

    rows = [
        # Cohort 2024-01: a active in months 0, 1, 2; b in 0 and 2; c in 0 only.
        ("a", "2024-01"), ("a", "2024-02"), ("a", "2024-03"),
        ("b", "2024-01"), ("b", "2024-03"),
        ("c", "2024-01"),
        # Cohort 2024-02: d in 0 and 1; a partial April is left out.
        ("d", "2024-02"), ("d", "2024-03"), ("d", "2024-04"),
    ]  # fmt: skip
    active = pd.DataFrame(
        {"account_id": [r[0] for r in rows], "month": [m(r[1]) for r in rows], "split": "All"}
    )
    result = activity_cohorts(active, date(2024, 4, 10))
    table = result.retention.xs("All", level=0)
    assert result.last_month == date(2024, 3, 1)
    assert result.sizes.xs("All", level=0).to_dict() == {"2024-01": 3, "2024-02": 1}
    assert table.loc["2024-01"].tolist() == pytest.approx([100.0, 100 / 3, 200 / 3])
    assert table.loc["2024-02", 0] == 100.0 and table.loc["2024-02", 1] == 100.0
    assert pd.isna(table.loc["2024-02", 2])  # April is not complete
    assert activity_cohorts(active.iloc[:0], None).retention.empty
