"""Revenue impact core on constructed books with known answers."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from dashapp.analytics.revenue_impact import (
    bootstrap_ratio,
    classify,
    deciles,
    delta_ratios,
    revenue_impact,
    wilson,
)
from dashapp.filters import Filters, parse
from dashapp.queries.revenue_impact import impact_rows, revenue_impact_summary
from models.billing import Invoice
from tests.support.factories import make_account, utc
from tests.support.health_rows import make_snapshot


def _book() -> pd.DataFrame:
    """Ten accounts. Red: 4 accounts (2 churn, 1 contracts, 1 flat); green: 6 (1 expands, 5 flat)."""
    rows = [
        # id, score, band, arr_start, arr_end, churned
        (1, 10, "red", 1000, np.nan, True),
        (2, 15, "red", 3000, 0, True),
        (3, 20, "red", 2000, 1500, False),
        (4, 25, "red", 4000, 4000, False),
        (5, 80, "green", 1000, 1600, False),
        (6, 81, "green", 1000, 1000, False),
        (7, 82, "green", 1000, 1000, False),
        (8, 83, "green", 1000, 1000, False),
        (9, 84, "green", 1000, 1000, False),
        (10, 85, "green", 1000, 1000, False),
    ]
    return pd.DataFrame(rows, columns=["account_id", "score", "band", "arr_start", "arr_end", "churned"])


def test_wilson_matches_the_formula() -> None:
    low, high = wilson(2, 4)
    # p = 0.5, n = 4, z = 1.95996: centre 0.5, half = z*sqrt(1/16 + z^2/64) / (1 + z^2/4)
    z = 1.959963984540054
    half = z * math.sqrt(0.25 / 4 + z * z / 64) / (1 + z * z / 4)
    assert low == pytest.approx(0.5 - half) and high == pytest.approx(0.5 + half)
    assert (round(low, 4), round(high, 4)) == (0.1500, 0.8500)
    assert wilson(0, 10)[0] == 0 and wilson(0, 10)[1] == pytest.approx(0.2775, abs=1e-4)
    assert wilson(10, 10)[1] == 1 and wilson(0, 0) == (0.0, 1.0)


def test_shares_counts_and_intervals_per_band() -> None:
    result = revenue_impact(_book(), draws=2000)
    red, green = result.bands
    assert (red.group, green.group) == ("red", "green") and result.scored == 10
    assert red.accounts == 4 and red.arr_start == 10000
    assert red.counts == {"churned": 2, "contracted": 1, "expanded": 0, "flat": 1}
    assert red.arr == {"churned": 4000, "contracted": 500, "expanded": 0}
    assert red.arr_share["churned"].value == pytest.approx(0.4)
    assert red.arr_share["contracted"].value == pytest.approx(0.05)
    assert red.account_share["churned"].value == 0.5
    assert (red.account_share["churned"].low, red.account_share["churned"].high) == pytest.approx(
        wilson(2, 4)
    )
    # bootstrap bounds bracket the value and stay in [0, 1]
    churn = red.arr_share["churned"]
    assert 0 <= churn.low < 0.4 < churn.high <= 1
    # nothing expanded in red: every resample gives 0
    assert red.arr_share["expanded"] == type(churn)(0.0, 0.0, 0.0)
    assert green.counts == {"churned": 0, "contracted": 0, "expanded": 1, "flat": 5}
    assert green.arr_share["expanded"].value == pytest.approx(0.1)
    assert green.arr_share["churned"].high == 0
    assert result.book.arr_start == 16000 and result.book.arr["churned"] == 4000


def test_deciles_rank_scores_lowest_first_and_equal_sized() -> None:
    result = revenue_impact(_book(), draws=100)
    assert [d.group for d in result.deciles] == [str(i) for i in range(1, 11)]
    assert result.deciles[0].counts["churned"] == 1 and result.deciles[0].score_min == 10
    assert result.deciles[-1].score_max == 85
    assert list(deciles(pd.Series([5.0, 5.0, 1.0, 9.0, 7.0] * 4))).count(1) == 2


def test_unknown_and_zero_arr_accounts_are_counted_out() -> None:
    frame = _book()
    frame.loc[frame["account_id"] == 4, "arr_end"] = np.nan  # still live, no invoice at the end
    frame.loc[frame["account_id"] == 9, "arr_start"] = 0
    rows, excluded = classify(frame)
    assert excluded == {"no starting ARR": 1, "no billing at the end": 1}
    assert set(rows["account_id"]) == set(range(1, 11)) - {4, 9}
    result = revenue_impact(frame, draws=100)
    assert result.excluded == excluded and result.book.accounts == 8
    red = result.bands[0]
    assert red.arr_start == 6000 and red.arr_share["churned"].value == pytest.approx(4000 / 6000)


def test_bootstrap_is_seeded_and_narrows_with_more_accounts() -> None:
    rng = np.random.default_rng(1)
    start = np.full(2000, 1000.0)
    lost = np.where(rng.random(2000) < 0.2, 1000.0, 0.0)
    a = bootstrap_ratio(lost, start, 500, seed=3)
    assert a == bootstrap_ratio(lost, start, 500, seed=3)
    small = bootstrap_ratio(lost[:100], start[:100], 500, seed=3)
    assert (a[1] - a[0]) < (small[1] - small[0])
    share = lost.sum() / start.sum()
    # with equal ARR the ARR share is a proportion: the bootstrap agrees with Wilson closely
    w = wilson(int((lost > 0).sum()), 2000)
    assert (
        a[0] < share < a[1]
        and a[0] == pytest.approx(w[0], abs=0.01)
        and a[1] == pytest.approx(w[1], abs=0.01)
    )


def test_large_groups_use_the_delta_method_which_agrees_with_the_bootstrap() -> None:
    rng = np.random.default_rng(5)
    n = 1500
    start = rng.uniform(500, 5000, n)
    lost = np.where(rng.random(n) < 0.15, start, 0.0) + np.where(rng.random(n) < 0.1, start * 0.3, 0.0)
    boot = bootstrap_ratio(lost, start, 2000, seed=1)
    delta = delta_ratios(lost[None, :], start)[0]
    assert delta[0] == pytest.approx(boot[0], abs=0.006) and delta[1] == pytest.approx(boot[1], abs=0.006)
    frame = pd.DataFrame(
        {
            "account_id": range(3000),
            "score": rng.uniform(0, 100, 3000),
            "band": "red",
            "arr_start": 1000.0,
            "arr_end": 1000.0,
            "churned": rng.random(3000) < 0.2,
        }
    )
    result = revenue_impact(frame, draws=200)
    assert result.book.arr_interval == "delta" and result.deciles[0].arr_interval == "bootstrap"
    share = result.book.arr_share["churned"]
    wl = wilson(result.book.counts["churned"], 3000)
    assert share.low == pytest.approx(wl[0], abs=0.003) and share.high == pytest.approx(wl[1], abs=0.003)


def test_an_empty_book_gives_empty_groups() -> None:
    empty = _book().iloc[0:0]
    result = revenue_impact(empty, draws=10)
    assert result.bands == [] and result.deciles == [] and result.book.accounts == 0
    assert math.isnan(result.book.arr_share["churned"].value)


# ---- from the database ---------------------------------------------------------------------------------

AS_OF = date(2026, 3, 1)
TODAY = date(2026, 9, 1)


def _account(session: Session, score: float, mrr_start: int, mrr_end: int | None, **kw: object) -> int:
    account = make_account(session, **kw)
    make_snapshot(session, account, AS_OF, score)
    make_snapshot(session, account, AS_OF - timedelta(days=1), 50)  # another day: not read
    invoices = [(datetime(2026, 2, 20, 6, tzinfo=UTC), mrr_start), (datetime(2025, 12, 1, tzinfo=UTC), 99999)]
    if mrr_end is not None:
        invoices.append((datetime(2026, 5, 20, 6, tzinfo=UTC), mrr_end))
    for n, (issued, amount) in enumerate(invoices):
        session.add(
            Invoice(
                external_id=f"ri-{account.id}-{n}",
                account_id=account.id,
                amount=Decimal(amount),
                status="paid",
                issued_at=issued,
            )
        )
    session.flush()
    return account.id


def test_rows_and_summary_from_stored_snapshots_and_invoices(session: Session) -> None:
    churner = _account(session, 12, 1000, None, churned_at=utc(2026, 4, 1), segment="smb")
    shrinks = _account(session, 30, 2000, 1500, segment="smb")
    grows = _account(session, 85, 1000, 1600, segment="enterprise")
    flat = _account(session, 90, 500, 500, segment="enterprise")
    _account(session, 95, 700, 700, churned_at=utc(2026, 2, 1))  # churned before the as-of date: left out
    unknown = _account(session, 60, 800, None, segment="smb")  # live, no invoice at the end
    frame = impact_rows(session, Filters(), AS_OF)
    assert set(frame["account_id"]) == {churner, shrinks, grows, flat, unknown}
    row = frame.set_index("account_id").loc[shrinks]
    assert row["arr_start"] == 24000 and row["arr_end"] == 18000 and not row["churned"]
    assert frame.set_index("account_id").loc[churner, "churned"]

    summary = revenue_impact_summary(session, as_of=AS_OF, today=TODAY)
    assert (
        summary["available"] and summary["window_complete"] and "12 x the latest invoice" in summary["method"]
    )
    result = summary["result"]
    assert result["excluded"] == {"no starting ARR": 0, "no billing at the end": 1}
    book = result["book"]
    assert book["accounts"] == 4 and book["arr_start"] == 12 * 4500
    assert book["counts"] == {"churned": 1, "contracted": 1, "expanded": 1, "flat": 1}
    assert book["arr_share"]["churned"]["value"] == pytest.approx(1000 / 4500)
    assert book["arr_share"]["contracted"]["value"] == pytest.approx(500 / 4500)
    assert book["arr_share"]["expanded"]["value"] == pytest.approx(600 / 4500)
    bands = {b["group"]: b for b in result["bands"]}
    assert bands["red"]["counts"]["churned"] == 1 and bands["green"]["counts"]["expanded"] == 1

    smb = revenue_impact_summary(session, parse("segment=smb")[0], as_of=AS_OF, today=TODAY)["result"]
    assert smb["book"]["accounts"] == 2 and smb["scored"] == 3

    # the default as-of date is the last snapshot day whose horizon has passed
    assert revenue_impact_summary(session, today=TODAY)["as_of"] == AS_OF
    early = revenue_impact_summary(session, today=AS_OF + timedelta(days=30))
    assert not early["available"] and "at least 90 days old" in early["reason"]
    partial = revenue_impact_summary(session, as_of=AS_OF, today=AS_OF + timedelta(days=30))
    assert partial["available"] and not partial["window_complete"]
