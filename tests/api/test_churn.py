"""The churn resources over real HTTP (gunicorn): an account's probability with drivers and the model card,
their 404s, and the OpenAPI document describing them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dashapp.analytics.churn import service
from dashapp.api import openapi_document
from dashapp.api.churn import ChurnPrediction, ModelCard
from models.account import Account
from models.db import Database
from tests.api.test_live import http
from tests.churn.support import seed_attribute_book
from tests.support.factories import make_account, make_user

pytestmark = pytest.mark.slow


def _token(committed: Database) -> str:
    from dashapp.tokens import create_token

    with committed.transaction() as session:
        user = make_user(session, role="viewer")
        return create_token(session, user, name="churn test", scope="read").secret


def test_without_a_model_both_resources_say_what_to_do(api_server, committed: Database) -> None:
    secret = _token(committed)
    with committed.transaction() as session:
        make_account(session, external_id="lonely")
    status, headers, body = http("GET", f"{api_server.url}/api/v1/analytics/churn-model", secret)
    assert status == 404 and headers["Content-Type"] == "application/problem+json"
    assert "healthdash churn train" in json.loads(body)["detail"]
    status, _, body = http("GET", f"{api_server.url}/api/v1/accounts/lonely/churn", secret)
    assert status == 404 and "no churn model" in json.loads(body)["detail"]
    status, _, body = http("GET", f"{api_server.url}/api/v1/accounts/nobody/churn", secret)
    assert status == 404 and "'nobody'" in json.loads(body)["detail"]
    assert http("GET", f"{api_server.url}/api/v1/analytics/churn-model")[0] == 401


def test_an_accounts_churn_and_the_model_card(api_server, committed: Database) -> None:
    secret = _token(committed)
    with committed.transaction() as session:
        open_ids = seed_attribute_book(session)
        churned_id = session.scalar(
            select(Account.external_id).where(Account.churned_at.is_not(None)).limit(1)
        )
        model = service.train_model(session)
        service.score_accounts(session)
        version, auc = model.version, model.roc_auc
    status, _, body = http("GET", f"{api_server.url}/api/v1/accounts/{open_ids[0]}/churn", secret)
    assert status == 200, body
    prediction = ChurnPrediction.model_validate_json(body)
    assert 0 <= prediction.probability <= 1
    assert prediction.model.version == version and prediction.model.roc_auc == auc
    assert prediction.model.card == "/api/v1/analytics/churn-model"
    assert prediction.drivers and {d.feature for d in prediction.drivers} <= {
        "attr.tier",
        "attr.seats",
        "segment",
    }
    assert prediction.drivers[0].label.startswith(("Attribute", "Segment"))

    status, _, body = http("GET", f"{api_server.url}/api/v1/analytics/churn-model", secret)
    assert status == 200
    card = ModelCard.model_validate_json(body)
    assert card.version == version and card.active and card.mode == "snapshot"
    assert card.metrics["roc_auc"] == auc and card.baseline_metrics["roc_auc"] is not None
    assert card.metrics["roc_auc"] > 0.6  # tier and seats drive churn in this book
    assert sum(p.count for p in card.calibration) == card.training_window["test_rows"]
    assert "not SHAP" in card.driver_method

    # A churned account is not scored: a 404 that says why.
    status, _, body = http("GET", f"{api_server.url}/api/v1/accounts/{churned_id}/churn", secret)
    assert status == 404 and "no churn score" in json.loads(body)["detail"]


def test_the_openapi_document_describes_both() -> None:
    paths = openapi_document()["paths"]
    assert "404" in paths["/accounts/{external_id}/churn"]["get"]["responses"]
    assert "200" in paths["/analytics/churn-model"]["get"]["responses"]
