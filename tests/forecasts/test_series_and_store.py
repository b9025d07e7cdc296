"""Series read from stored snapshots, metrics and accounts; fits stored, and refit only when the input
changed (PostgreSQL, rolled back)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.analytics.forecasting import model, series, store
from dashapp.analytics.forecasting.series import SeriesKey
from dashapp.queries.forecasts import get_series, list_series
from models.forecast import ForecastResult, ForecastSeries
from tests.forecasts.book import seed_forecast_book
from tests.support.health_rows import make_snapshot

END = date.today()


def test_keys_parse_and_refuse_nonsense() -> None:
    assert SeriesKey.parse("segment:mid:market:mrr") == SeriesKey("segment", "mid:market", "mrr")
    assert SeriesKey.parse("account:42:score").account_id == 42
    for bad in ("book:smb:mrr", "account:x:score", "book:all:nope", "nothing", "account:1:mrr"):
        with pytest.raises(ValueError, match="series key"):
            SeriesKey.parse(bad)


def test_plan_covers_book_segments_red_and_top_accounts(session: Session) -> None:
    accounts = seed_forecast_book(session)
    keys = [k.key for k in series.plan(session, top_accounts=1)]
    assert keys[:6] == [f"book:all:{m}" for m in series.GROUP_METRICS]
    assert {k for k in keys if k.startswith("segment:")} == {
        f"segment:{s}:{m}" for s in ("enterprise", "smb") for m in series.GROUP_METRICS
    }
    # Top by ARR (account 2) and the red one (account 0); the churned account 1 is neither.
    assert [k for k in keys if k.startswith("account:")] == [
        f"account:{accounts[2].id}:score",
        f"account:{accounts[0].id}:score",
    ]


def test_book_and_segment_series_values(session: Session) -> None:
    seed_forecast_book(session, days=30)
    avg = series.load(session, SeriesKey("book", "all", "avg_score"), end=END)
    assert len(avg) == 30 and avg.index[-1].date() == END
    last_scores = session.execute(
        select(func.avg(series.HealthSnapshot.score)).where(series.HealthSnapshot.day == END)
    ).scalar_one()
    assert avg.iloc[-1] == pytest.approx(last_scores)
    red = series.load(session, SeriesKey("segment", "smb", "share_red"), end=END)
    assert red.iloc[-1] == pytest.approx(50.0)  # account 0 (around 25) red, account 1 (around 55) yellow
    users = series.load(session, SeriesKey("segment", "enterprise", "active_users"), end=END)
    weekend = [v for d, v in users.items() if d.weekday() >= 5]
    assert weekend and all(v == 0 for v in weekend)  # days without rows count as no active users
    assert users.max() > 0
    mrr = series.load(session, SeriesKey("book", "all", "mrr"), end=END)
    # Accounts start 30, 20, 10 and 0 days before today; account 1 churned 5 days ago.
    assert mrr.loc[pd.Timestamp(END)] == pytest.approx(1000 + 9000 + 4000)
    assert mrr.loc[pd.Timestamp(END - timedelta(days=6))] == pytest.approx(1000 + 500 + 9000)
    assert mrr.loc[pd.Timestamp(END - timedelta(days=29))] == pytest.approx(1000)


def test_a_fit_is_stored_and_skipped_until_its_input_changes(session: Session) -> None:
    accounts = seed_forecast_book(session, days=70)
    key = SeriesKey("account", str(accounts[0].id), "score")
    first = store.fit_and_store(session, key, end=END)
    assert first.status == "fitted" and first.fits > 1
    view = get_series(session, key.key)
    assert view is not None and view.label == "Health score · Forecast Co 0"
    assert view.history_end == END and len(view.history["y"]) == 70
    h30, h90 = view.result(30), view.result(90)
    assert h30 is not None and len(h30.points) == 30 and h30.mase is not None
    assert [f["train_points"] for f in h30.folds] == [30, 40]  # a third origin would train on 20 days
    assert h30.points[0]["ds"] == (END + timedelta(days=1)).isoformat()
    assert all(p["lower"] <= p["yhat"] <= p["upper"] for p in h30.points)
    assert all(p["lower"] >= 0 and p["upper"] <= 100 for p in h30.points)
    assert h30.beats_naive == (h30.mase < 1) and h30.evaluation_note
    # 70 days cannot backtest 90 days ahead: the result says so instead of a number.
    assert h90 is not None and len(h90.points) == 90 and h90.mase is None and h90.beats_naive is None
    assert h90.evaluation_note.startswith("Not evaluated: needs at least 118 days")
    fitted_at = view.fitted_at

    again = store.fit_and_store(session, key, end=END)
    assert again.status == "unchanged" and again.fits == 0
    assert get_series(session, key.key).fitted_at == fitted_at  # type: ignore[union-attr]

    # A corrected snapshot changes the input: the next run refits.
    snap = session.scalar(
        select(series.HealthSnapshot).where(
            series.HealthSnapshot.account_id == accounts[0].id, series.HealthSnapshot.day == END
        )
    )
    snap.score += 5  # type: ignore[union-attr]
    session.flush()
    assert store.fit_and_store(session, key, end=END).status == "fitted"
    assert store.fit_and_store(session, key, end=END, force=True).status == "fitted"
    assert session.scalar(select(func.count()).select_from(ForecastResult)) == 2


def test_a_short_history_is_stored_as_such_without_a_forecast(session: Session) -> None:
    accounts = seed_forecast_book(session, days=10)
    key = SeriesKey("account", str(accounts[2].id), "score")
    outcome = store.fit_and_store(session, key, end=END)
    assert outcome.status == "insufficient_history"
    view = get_series(session, key.key)
    assert view is not None and view.results == [] and "needs at least 28 days" in view.message
    make_snapshot(session, accounts[2], END + timedelta(days=1), 70.0)
    assert store.fit_and_store(session, key, end=END).status == "unchanged"  # the window ends today


def test_a_series_whose_account_is_gone_is_skipped_and_pruned(session: Session) -> None:
    seed_forecast_book(session, days=35)
    assert store.fit_and_store(session, SeriesKey("account", "999999999", "score")).status == "no_account"
    store.fit_and_store(session, SeriesKey("book", "all", "avg_score"), end=END)
    store.fit_and_store(session, SeriesKey("segment", "smb", "avg_score"), end=END)
    assert store.prune(session, ["book:all:avg_score"]) == 1
    assert [v.key for v in list_series(session)] == ["book:all:avg_score"]
    assert session.scalar(select(func.count()).select_from(ForecastSeries)) == 1


def test_fit_refuses_too_short_a_series() -> None:
    with pytest.raises(ValueError, match="at least 28 days"):
        model.fit(pd.Series([1.0] * 10, index=pd.date_range("2026-01-01", periods=10, freq="D")))
