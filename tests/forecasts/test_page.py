"""The Forecasts page and the Account page's forecast, called as functions by a logged-in user: every
chart comes with its evaluation beside it, the empty state says what to do, the run button is guarded."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from dash.exceptions import PreventUpdate
from plotly.utils import PlotlyJSONEncoder
from sqlalchemy.orm import Session

from dashapp.analytics.forecasting import store
from dashapp.analytics.forecasting.series import SeriesKey
from models.account import Account
from tests.explore.conftest import as_user, page  # noqa: F401  (fixtures)
from tests.forecasts.book import seed_forecast_book


def text_of(component: Any) -> str:
    return json.dumps(component, cls=PlotlyJSONEncoder, ensure_ascii=False)


def find(component: Any, predicate: Any) -> list[Any]:
    found = [component] if predicate(component) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found += find(child, predicate)
    return found


@pytest.fixture
def fitted(session: Session) -> list[Account]:
    accounts = seed_forecast_book(session, days=70, prefix="pg")
    keys = [SeriesKey("book", "all", m) for m in ("avg_score", "share_red")]
    keys += [SeriesKey("segment", "smb", "avg_score"), SeriesKey("account", str(accounts[0].id), "score")]
    for key in keys:
        store.fit_and_store(session, key, end=date.today())
    return accounts


def test_empty_state_says_what_to_do(as_user, page) -> None:  # noqa: F811
    with as_user("viewer"):
        shown = text_of(page("forecasts").layout())
    assert "No forecasts yet" in shown and "healthdash forecasts run" in shown


def test_each_chart_has_its_evaluation_beside_it(fitted, as_user, page) -> None:  # noqa: F811
    with as_user("viewer"):
        tree = page("forecasts").layout()
        shown = text_of(tree)
    cards = find(
        tree, lambda c: isinstance(getattr(c, "id", None), dict) and c.id.get("type") == "forecast-card"
    )
    assert [c.id["index"] for c in cards] == ["book:all:avg_score", "book:all:share_red"]
    for card in cards:
        index = card.id["index"]
        graphs = find(
            card,
            lambda c: getattr(c, "id", None) == {"type": "forecast-graph", "index": index},  # noqa: B023
        )
        evaluations = find(
            card,
            lambda c: getattr(c, "id", None) == {"type": "forecast-evaluation", "index": index},  # noqa: B023,
        )
        assert len(graphs) == 1 and len(evaluations) == 1
        ev_text = text_of(evaluations[0])
        assert "MASE vs seasonal naive" in ev_text
        assert ("Beats naive" in ev_text) != ("Does not beat naive" in ev_text)
    assert "Forecast Co 0" in shown and "Fit forecasts now" not in shown  # viewers may not run jobs


def test_callback_switches_segment_and_horizon(fitted, as_user, page) -> None:  # noqa: F811
    with as_user("viewer"):
        smb = page("forecasts").update("segment:smb", "90", "light")
        shown = text_of(smb)
    assert "Average health score · segment smb" in shown and "whole book" not in shown
    assert "90-day forecast" in shown
    # 70 days of history cannot backtest 90 days ahead: said plainly, never a bare forecast.
    assert "Not evaluated: needs at least 118 days" in shown and "Not evaluated" in shown
    with as_user("viewer"):
        fallback = text_of(page("forecasts").update("nonsense", "7", "dark"))
    assert "30-day forecast" in fallback and "whole book" in fallback


def test_the_run_button_is_for_managers(fitted, as_user, page) -> None:  # noqa: F811
    with as_user("admin"):
        assert "Fit forecasts now" in text_of(page("forecasts").layout())
        message = page("forecasts").run_now(1, None)
    assert message.startswith("Queued run ")
    with as_user("viewer"), pytest.raises(PreventUpdate):
        page("forecasts").run_now(1, None)


def test_account_page_shows_the_forecast_or_why_not(fitted, as_user, page) -> None:  # noqa: F811
    with as_user("viewer"):
        red = text_of(page("account").content("pg-0", page("account").Filters(), "light"))
        other = text_of(page("account").content("pg-2", page("account").Filters(), "light"))
    assert "Health score · Forecast Co 0" in red and "MASE vs seasonal naive" in red
    assert "account-forecast" in red
    assert "No health forecast for this account" in other
