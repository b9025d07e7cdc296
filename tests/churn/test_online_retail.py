"""Real data: UCI Online Retail (2010-12 to 2011-12), churn = no purchase in the 90 days after an as-of date.

The churn model (trained on earlier as-of dates, tested on later ones) is compared on the same test rows
with the plainest baseline there is, days since the last purchase, and with the health score the default
scorecard computes as of each test date. Recency is a strong baseline in retail; the model has it among
its features and must not do worse than it, and must beat the health score, which is built for
subscription products (usage, tickets, billing, surveys), not for a shop.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashapp.analytics.churn import card, service
from dashapp.ingest.online_retail import import_files
from jobs.rollup import drain
from models.db import Database
from tests.churn.conftest import shared_data
from tests.support.database import truncate_all

FILE_2011 = shared_data() / "online_retail_2010-12_2011-12.csv.gz"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not FILE_2011.exists(), reason=f"{FILE_2011} is not here")]


@pytest.fixture
def retail(db: Database) -> Iterator[Database]:
    truncate_all(db.engine)
    import_files(db, [FILE_2011])
    drain(db)  # also starts each customer on their first purchase (no contract dates in a shop's log)
    yield db
    truncate_all(db.engine)


def test_model_against_recency_and_the_health_score(retail: Database) -> None:
    with retail.transaction() as session:
        model = service.train_model(session, label="inactive", horizon_days=90)
        print(card.format_card(model))
        ev = model.evaluation
    m, base, ranks = ev["model"], ev["baseline"], ev["rankings"]
    assert model.mode == "history" and ev["validation"]["method"] == "time"
    assert ev["validation"]["test_dates"][-1] == "2011-09-10"  # 90 days before the last purchase day
    # Recency predicts lapsing customers well: a meaningful baseline, not a coin toss.
    recency = ranks["days_since_activity"]["roc_auc"]
    assert recency > 0.65
    assert ranks["days_since_activity"]["rows"] == m["rows"]
    # The model reads recency and more (frequency, spend, trend): better than recency alone. On this one
    # year the logistic baseline ranks about as well (0.746 against 0.735 when measured); on both files
    # (`python -m benchmarks churn_real`) the boosting model is ahead.
    assert m["roc_auc"] >= recency + 0.02
    assert m["roc_auc"] >= base["roc_auc"] - 0.02
    # Calibration: better than the base rate; the later (test) months lapse less than the training months,
    # so the curve sits a little above the diagonal, and the card shows it.
    assert m["brier"] < 0.9 * m["brier_reference"]
    gaps = [abs(p["predicted"] - p["observed"]) for p in m["calibration"]]
    assert sum(gaps) / len(gaps) < 0.1
    # The health score is computed for the same rows and reported; the model beats it (the default scorecard
    # reads missing usage, tickets and payments as nothing wrong, so a lapsed customer scores high).
    health = ranks["health_score"]
    assert health["roc_auc"] is not None and health["rows"] > 0.9 * m["rows"]
    assert m["roc_auc"] > health["roc_auc"] + 0.02
