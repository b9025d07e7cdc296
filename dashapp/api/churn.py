"""`/accounts/{external_id}/churn` and `/analytics/churn-model`: churn probability with its drivers, and
the model card (held-out evaluation) of the model that produced it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Response
from pydantic import BaseModel, Field

from dashapp.analytics.churn.card import model_card
from dashapp.api.accounts import EXTERNAL_ID
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, json_response
from dashapp.api.spec import operation
from dashapp.extensions import db_session
from dashapp.queries.churn import account_score, active_model
from models.account import Account

MODEL_PATH = "/api/v1/analytics/churn-model"


class Driver(BaseModel):
    feature: str
    label: str
    value: Any = Field(None, description="The account's value of the feature.")
    reference: Any = Field(None, description="The typical (training) value it is compared with.")
    contribution: float = Field(
        description="Probability with the account's value minus probability with the reference value."
    )


class ModelSummary(BaseModel):
    version: int
    roc_auc: float | None = Field(description="Held-out ROC AUC of this model.")
    baseline_roc_auc: float | None = Field(description="Held-out ROC AUC of the logistic baseline.")
    brier: float | None = Field(description="Held-out Brier score (lower is better).")
    horizon_days: int
    card: str = Field(description="Where the full model card is.")


class ChurnPrediction(BaseModel):
    external_id: str
    probability: float = Field(ge=0, le=1, description="Probability of churn within the horizon.")
    as_of: date
    drivers: list[Driver]
    model: ModelSummary


class CalibrationPoint(BaseModel):
    predicted: float
    observed: float
    count: int


class ModelCard(BaseModel):
    id: int
    version: int
    active: bool
    mode: str = Field(description="history (point-in-time rows) or snapshot (a book without history).")
    label: str
    label_definition: str
    horizon_days: int
    algorithm: str
    baseline_algorithm: str
    created_at: datetime
    scored_at: datetime | None
    training_window: dict[str, Any]
    validation: str
    metrics: dict[str, Any] = Field(
        description="Held-out figures: roc_auc, pr_auc, brier, top_decile_lift..."
    )
    baseline_metrics: dict[str, Any]
    rankings: dict[str, Any] = Field(description="ROC AUC of plain rankings on the same test rows.")
    calibration: list[CalibrationPoint]
    baseline_calibration: list[CalibrationPoint]
    importance: list[dict[str, Any]]
    features: list[str]
    driver_method: str
    caveats: list[str]


def _no_model() -> ApiError:
    return ApiError(404, "There is no churn model yet; an admin trains one (`healthdash churn train`).")


@operation(
    bp,
    "GET",
    "/accounts/{external_id}/churn",
    summary="An account's churn probability and its drivers",
    tag="Churn",
    response=ChurnPrediction,
    errors=(404,),
    path_params=EXTERNAL_ID,
)
def get_account_churn(caller: Any, external_id: str) -> Response:
    """The active model's churn probability for the account, its top drivers, and the model's held-out
    figures (the full card is at `/analytics/churn-model`)."""
    session = db_session()
    account = session.query(Account).filter(Account.external_id == external_id).one_or_none()
    if account is None:
        raise ApiError(404, f"There is no account with external id {external_id!r}.")
    found = account_score(session, account.id)
    if found is None:
        raise _no_model()
    model, score = found
    if score is None:
        raise ApiError(
            404,
            f"Account {external_id!r} has no churn score from model version {model.version} "
            "(it had churned, or came in after the last scoring run).",
        )
    body = {
        "external_id": external_id,
        "probability": round(score.probability, 4),
        "as_of": score.as_of,
        "drivers": score.drivers,
        "model": {
            "version": model.version,
            "roc_auc": model.roc_auc,
            "baseline_roc_auc": model.evaluation["baseline"].get("roc_auc"),
            "brier": model.brier,
            "horizon_days": model.horizon_days,
            "card": MODEL_PATH,
        },
    }
    return json_response(body)


@operation(
    bp,
    "GET",
    "/analytics/churn-model",
    summary="The active churn model's card",
    tag="Churn",
    response=ModelCard,
    errors=(404,),
)
def get_churn_model(caller: Any) -> Response:
    """What the active churn model is, its training window and validation, and its held-out ROC AUC, PR AUC,
    Brier score, calibration curve and top-decile lift beside the logistic baseline's."""
    model = active_model(db_session())
    if model is None:
        raise _no_model()
    return json_response(model_card(model))
