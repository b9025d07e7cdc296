"""Real data: the IBM Telco churn sample, imported as a book with churn history and custom attributes only.

The calibrated boosting model must rank held-out customers at least as well as the plain logistic baseline
fit in the same run (the data's README: about 0.84) and be calibrated: Brier score well under the base
rate's, and each calibration bin's observed churn rate close to its mean prediction.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import func, select

from dashapp.analytics.churn import card, service
from dashapp.ingest.telco import import_file
from models.account import Account
from models.churn import ChurnScore
from models.db import Database
from tests.churn.conftest import TELCO
from tests.support.database import truncate_all

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not TELCO.exists(), reason=f"{TELCO} is not here")]


@pytest.fixture
def telco_db(db: Database) -> Iterator[Database]:
    """The CSV import commits chunk by chunk on its own connections: an emptied database, emptied after."""
    truncate_all(db.engine)
    yield db
    truncate_all(db.engine)


def test_telco_book_trains_a_calibrated_model_at_least_as_good_as_logistic(telco_db: Database) -> None:
    churn_db = telco_db
    summary = import_file(churn_db, TELCO, churned_on=date(2026, 1, 31))
    assert (summary["inserted"], summary["failed"]) == (7_043, 0), summary
    with churn_db.transaction() as session:
        assert session.scalar(select(func.count()).where(Account.churned_at.is_not(None))) == 1_869
        tenure = session.scalar(
            select(Account.custom_attributes["tenure"].astext).where(
                Account.external_id == "telco-7590-VHVEG"
            )
        )
        assert tenure == "1"
        model = service.train_model(session)
        ev = model.evaluation
        m, base = ev["model"], ev["baseline"]
        assert model.mode == "snapshot"
        assert ev["validation"]["method"] == "random"
        assert m["rows"] == 1_761 and m["churned"] == 467  # a stratified quarter
        assert "attr.Contract" in model.features["categorical"]
        assert "attr.tenure" in model.features["numeric"] and "attr.TotalCharges" in model.features["numeric"]
        assert not any(
            "churn" in f.lower() for f in model.features["categorical"] + model.features["numeric"]
        )
        # Ranking: at least the logistic baseline (same rows, same run), and the README's ~0.84.
        assert base["roc_auc"] > 0.83
        assert m["roc_auc"] >= base["roc_auc"]
        assert m["roc_auc"] >= 0.84
        # Calibration: far better than the base rate, and every bin close to the diagonal.
        assert m["brier"] < 0.75 * m["brier_reference"]
        assert len(m["calibration"]) == 10
        assert sum(p["count"] for p in m["calibration"]) == m["rows"]
        assert max(abs(p["predicted"] - p["observed"]) for p in m["calibration"]) < 0.1
        assert m["top_decile_lift"] > 2.5
        text = card.format_card(model)
        print(text)
        # Scoring: the customers still open, each with drivers.
        result = service.score_accounts(session)
        assert result["accounts"] == 7_043 - 1_869
        drivers = session.scalars(
            select(ChurnScore.drivers).where(ChurnScore.model_id == model.id).limit(50)
        ).all()
        assert all(
            d and d[0]["feature"] in model.features["categorical"] + model.features["numeric"]
            for d in drivers
        )
