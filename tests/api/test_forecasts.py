"""`/forecasts` and `/accounts/{external_id}/forecast`: stored forecasts with their evaluation beside them."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import date

import pytest
from sqlalchemy.orm import Session

from dashapp.analytics.forecasting import store
from dashapp.analytics.forecasting.series import SeriesKey
from dashapp.api.forecasts import ForecastList, ForecastSeriesOut
from dashapp.tokens import create_token
from models.account import Account
from tests.api.test_live import http
from tests.forecasts.book import seed_forecast_book
from tests.support.factories import make_user


@pytest.fixture
def fitted(session: Session) -> list[Account]:
    accounts = seed_forecast_book(session, days=70, prefix="api-fc")
    for key in (
        SeriesKey("book", "all", "avg_score"),
        SeriesKey("segment", "smb", "share_red"),
        SeriesKey("account", str(accounts[0].id), "score"),
    ):
        store.fit_and_store(session, key, end=date.today())
    return accounts


def test_empty_before_any_fit(api, token) -> None:
    _, secret = token()
    response = api.get("/forecasts", secret)
    assert response.status_code == 200 and response.json == {"data": [], "count": 0}


def test_every_forecast_carries_its_evaluation(api, token, fitted) -> None:
    _, secret = token()
    response = api.get("/forecasts", secret)
    assert response.status_code == 200 and response.json["count"] == 3
    ForecastList.model_validate(response.json)  # the documented shape
    keys = [s["key"] for s in response.json["data"]]
    assert keys == ["book:all:avg_score", "segment:smb:share_red", f"account:{fitted[0].id}:score"]
    account = response.json["data"][2]
    assert account["account"] == "api-fc-0" and account["scope"] == "account" and account["history"] is None
    for item in response.json["data"]:
        assert [f["horizon"] for f in item["forecasts"]] == [30, 90]
        short, long = item["forecasts"]
        assert len(short["points"]) == 30 and set(short["points"][0]) == {"ds", "yhat", "lower", "upper"}
        ev = short["evaluation"]
        assert ev["mase"] is not None and ev["beats_naive"] == (ev["mase"] < 1) and ev["origins"] == 2
        assert ev["verdict"].startswith("Beats" if ev["beats_naive"] else "Does not beat")
        # 70 days of history cannot test a 90-day forecast, and the answer says so.
        assert long["evaluation"]["mase"] is None and long["evaluation"]["beats_naive"] is None
        assert long["evaluation"]["verdict"].startswith("Not evaluated: needs at least 118 days")


def test_filters_horizon_and_history(api, token, fitted) -> None:
    _, secret = token()
    smb = api.get("/forecasts", secret, query_string={"segment": "smb", "horizon": "30", "history": "true"})
    assert smb.status_code == 200
    [item] = smb.json["data"]
    assert item["segment"] == "smb" and item["metric"] == "share_red"
    assert [f["horizon"] for f in item["forecasts"]] == [30] and len(item["history"]) == 70
    assert item["history"][-1]["ds"] == date.today().isoformat()
    only_book = api.get("/forecasts", secret, query_string={"scope": "book", "metric": "avg_score"})
    assert [s["key"] for s in only_book.json["data"]] == ["book:all:avg_score"]
    none = api.get("/forecasts", secret, query_string={"metric": "mrr"})
    assert none.json["count"] == 0


@pytest.mark.parametrize(
    ("query", "name"),
    [({"horizon": "45"}, "horizon"), ({"scope": "planet"}, "scope"), ({"colour": "red"}, "colour")],
)
def test_bad_query_is_a_problem_naming_the_parameter(api, token, query, name) -> None:
    _, secret = token()
    response = api.get("/forecasts", secret, query_string=query)
    assert response.status_code == 400 and response.content_type == "application/problem+json"
    assert [e["name"] for e in response.json["errors"]] == [name]


def test_account_forecast(api, token, fitted) -> None:
    _, secret = token()
    response = api.get("/accounts/api-fc-0/forecast", secret, query_string={"horizon": "90"})
    assert response.status_code == 200
    ForecastSeriesOut.model_validate(response.json)
    assert response.json["key"] == f"account:{fitted[0].id}:score" and response.json["account"] == "api-fc-0"
    assert [f["horizon"] for f in response.json["forecasts"]] == [90]
    missing = api.get("/accounts/api-fc-2/forecast", secret)
    assert missing.status_code == 404 and "has no forecast" in missing.json["detail"]
    unknown = api.get("/accounts/nobody/forecast", secret)
    assert unknown.status_code == 404 and "no account" in unknown.json["detail"]


def test_forecasts_need_a_token(api) -> None:
    assert api.get("/forecasts").status_code == 401


@pytest.mark.slow
def test_over_real_http(api_server, committed) -> None:
    """The same resources from `healthdash serve` (gunicorn), with an ETag that revalidates to 304."""
    with committed.transaction() as session:
        accounts = seed_forecast_book(session, days=70, prefix="http-fc")
        store.fit_and_store(session, SeriesKey("account", str(accounts[0].id), "score"), end=date.today())
        secret = create_token(session, make_user(session, role="viewer"), name="http", scope="read").secret
    status, headers, body = http("GET", f"{api_server.url}/api/v1/forecasts?scope=account", secret)
    assert status == 200, body
    listed = ForecastList.model_validate_json(body)
    assert listed.count == 1 and listed.data[0].account == "http-fc-0"
    assert listed.data[0].forecasts[0].evaluation.verdict
    request_etag = headers.get("ETag")
    assert request_etag
    revalidate = urllib.request.Request(
        f"{api_server.url}/api/v1/forecasts?scope=account",
        headers={"Authorization": f"Bearer {secret}", "If-None-Match": request_etag},
    )
    try:
        urllib.request.urlopen(revalidate, timeout=30)
        raise AssertionError("expected 304")
    except urllib.error.HTTPError as exc:
        assert exc.code == 304
    status, _, body = http("GET", f"{api_server.url}/api/v1/accounts/http-fc-0/forecast?horizon=30", secret)
    assert status == 200 and ForecastSeriesOut.model_validate_json(body).forecasts[0].horizon == 30
