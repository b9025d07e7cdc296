"""The Churn risk page and the Account page's churn card, called as functions by logged-in users."""

from __future__ import annotations

import pytest
from dash.exceptions import PreventUpdate
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.analytics.churn import service
from models.account import Account
from models.job import JobRun
from tests.churn.support import seed_attribute_book
from tests.explore.test_page_functions import controls, text_of


@pytest.fixture
def trained(session: Session) -> list[str]:
    open_ids = seed_attribute_book(session, accounts=300)
    service.train_model(session)
    service.score_accounts(session)
    session.flush()
    return open_ids


def test_without_a_model_the_page_says_what_to_do(as_user, page) -> None:
    with as_user("viewer"):
        shown = text_of(page("churn").layout())
    assert "No churn model yet" in shown and "healthdash churn train" in shown
    assert "Highest churn risk" not in shown


def test_predictions_are_shown_beside_the_model_card(trained, as_user, page) -> None:
    with as_user("viewer"):
        shown = text_of(page("churn").layout())
    assert "Highest churn risk" in shown and "Model card" in shown
    for figure in (
        "ROC AUC",
        "PR AUC",
        "Brier score",
        "Top-decile lift",
        "Logistic",
        "churn-model-card-calibration",
    ):
        assert figure in shown
    assert "Random stratified 25% hold-out" in shown and "not SHAP" in shown
    assert "Attribute: tier" in shown or "Attribute: seats" in shown  # drivers in the list
    assert "Retrain model" not in shown  # viewers cannot retrain


def test_the_filter_bar_narrows_the_list_and_keeps_the_card(trained, as_user, page, session: Session) -> None:
    values, ids = controls(segment="smb")
    with as_user("viewer"):
        content, state, errors = page("churn").update(values, "light", ids)
    assert state == {"path": "/churn", "q": "segment=smb", "replace": False} and errors is None
    shown = text_of(content)
    assert "Model card" in shown
    names = session.scalars(
        select(Account.name).where(Account.segment != "smb", Account.churned_at.is_(None))
    )
    assert not any(name in shown for name in names)
    smb = session.scalars(
        select(Account.name).where(Account.segment == "smb", Account.churned_at.is_(None))
    ).all()
    assert any(name in shown for name in smb)


def test_admins_queue_a_retrain_and_viewers_cannot(
    trained, as_user, page, session: Session, redis_client
) -> None:
    with as_user("viewer"), pytest.raises(PreventUpdate):
        page("churn").retrain(1)
    with as_user("admin") as admin:
        assert "Retrain model" in text_of(page("churn").layout())
    with as_user(user=admin):  # a request of its own, as the button's callback is
        message = page("churn").retrain(1)
    assert message.startswith("Queued run")
    run = session.scalar(select(JobRun).where(JobRun.kind == "churn.train"))
    assert run is not None and run.queue == "analytics" and run.requested_by_id == admin.id


def test_the_account_page_shows_probability_drivers_and_the_models_figures(trained, as_user, page) -> None:
    with as_user("viewer"):
        shown = text_of(page("account").layout(external_id=trained[0]))
    assert "Churn risk" in shown and "chance of churn" in shown
    assert "account-churn-drivers" in shown and "held-out ROC AUC" in shown
    assert '"href": "/churn"' in shown


def test_the_account_page_without_a_model(as_user, page, session: Session) -> None:
    seed_attribute_book(session, accounts=3)
    with as_user("viewer"):
        shown = text_of(page("account").layout(external_id="cb-0000"))
    assert "No churn model has been trained yet" in shown
