"""Rule noise on the real PostgreSQL: alerts per week, share acknowledged, median time to acknowledge,
share followed by churn within 90 days, and the book's base rate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from dashapp.alerts.stats import rule_noise
from models.alert import Alert
from tests.alerts.support import NOW, make_rule
from tests.support.factories import make_account


def test_rule_noise_figures(session: Session) -> None:
    old = NOW - timedelta(days=140)
    opened = NOW - timedelta(days=100)
    churner = make_account(session, created_at=old, churned_at=opened + timedelta(days=30))
    stayer = make_account(session, created_at=old)
    for _ in range(2):
        make_account(session, created_at=old)
    rule = make_rule(session, "score_below", {"threshold": 40}, name="Noise test")
    quiet = make_rule(session, "no_login", {"days": 30}, name="Quiet test")
    session.add_all(
        [
            Alert(rule_id=rule.id, account_id=churner.id, severity="warning", opened_at=opened,
                  acknowledged_at=opened + timedelta(hours=2), state="acknowledged"),
            Alert(rule_id=rule.id, account_id=stayer.id, severity="warning", opened_at=opened, state="open"),
        ]
    )  # fmt: skip
    session.flush()
    figures = {r.rule_id: r for r in rule_noise(session, NOW)}
    noisy = figures[rule.id]
    assert noisy.alerts == 2
    assert noisy.per_week == pytest.approx(2 / (100 / 7))
    assert noisy.acknowledged_share == pytest.approx(0.5)
    assert noisy.median_hours_to_ack == pytest.approx(2.0)
    assert noisy.churned_share == pytest.approx(0.5)
    assert noisy.base_rate is not None and 0 < noisy.base_rate < 0.5
    silent = figures[quiet.id]
    assert (silent.alerts, silent.per_week, silent.acknowledged_share, silent.churned_share) == (
        0,
        0.0,
        None,
        None,
    )
