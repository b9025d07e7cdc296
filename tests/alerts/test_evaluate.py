"""Set-based evaluation on the real PostgreSQL: each rule kind opens an alert on the account that meets it
and not on the one beside it; reruns add nothing; conditions that clear resolve; cooldown; routing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.alerts.evaluate import evaluate
from models.account import Account
from models.activity import AccountDailyMetric
from models.alert import Alert, AlertChange, AlertEvent
from models.churn import ChurnModel, ChurnScore
from models.health import AccountHealth
from models.survey import SurveyResponse
from tests.alerts.support import NOW, failed_payment, make_rule, ticket
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_health, make_snapshot

TODAY = NOW.date()


def _scored(session: Session, score: float, history: dict[int, float] | None = None, **kw: Any) -> Account:
    account = make_account(session, **kw)
    for days_ago, past in (history or {}).items():
        make_snapshot(session, account, TODAY - timedelta(days=days_ago), past)
    make_snapshot(session, account, TODAY, score)
    make_health(session, account, score, day=TODAY)
    return account


def _metrics(session: Session, account: Account, days: range, **values: int) -> None:
    for d in days:
        session.add(AccountDailyMetric(account_id=account.id, day=TODAY - timedelta(days=d), **values))
    session.flush()


def _churn(session: Session, hit: Account, miss: Account) -> None:
    model = ChurnModel(
        version=1, is_active=True, mode="test", horizon_days=90, algorithm="logistic", features={},
        evaluation={}, train_from=date(2025, 1, 1), train_to=date(2025, 6, 1), test_from=date(2025, 6, 2),
        test_to=date(2025, 9, 1), artefact=b"x",
    )  # fmt: skip
    session.add(model)
    session.flush()
    for account, p in ((hit, 0.8), (miss, 0.2)):
        session.add(ChurnScore(model_id=model.id, account_id=account.id, as_of=TODAY, probability=p))
    session.flush()


def _survey(session: Session, account: Account, score: int) -> None:
    session.add(
        SurveyResponse(
            external_id=f"s{account.id}", account_id=account.id, kind="nps", score=score,
            responded_at=NOW - timedelta(days=2),
        )
    )  # fmt: skip
    session.flush()


Setup = Callable[[Session], tuple[Account, Account]]
CASES: dict[str, tuple[dict[str, Any], Setup]] = {
    "score_below": ({"threshold": 40}, lambda s: (_scored(s, 30), _scored(s, 50))),
    "band_changed": (
        {"to": "red", "within_days": 7},
        lambda s: (_scored(s, 30, {3: 60}), _scored(s, 30, {3: 35})),
    ),
    "score_drop": (
        {"points": 15, "days": 7},
        lambda s: (_scored(s, 50, {7: 70}), _scored(s, 60, {7: 70})),
    ),
    "churn_probability": (
        {"probability": 0.5},
        lambda s: (lambda a, b: (_churn(s, a, b), (a, b))[1])(_scored(s, 50), _scored(s, 50)),
    ),
    "payment_failed": (
        {"within_days": 7},
        lambda s: (
            (lambda a: (failed_payment(s, a, NOW - timedelta(days=1)), a)[1])(make_account(s)),
            (lambda b: (failed_payment(s, b, NOW - timedelta(days=20)), b)[1])(make_account(s)),
        ),
    ),
    "invoice_overdue": (
        {"days": 14},
        lambda s: (
            (lambda a: (failed_payment(s, a, NOW - timedelta(days=30), status="open"), a)[1])(
                make_account(s)
            ),
            (lambda b: (failed_payment(s, b, NOW - timedelta(days=3), status="open"), b)[1])(make_account(s)),
        ),
    ),
    "urgent_ticket": (
        {},
        lambda s: (
            (lambda a: (ticket(s, a, NOW, priority="urgent", status="open"), a)[1])(make_account(s)),
            (lambda b: (ticket(s, b, NOW, priority="urgent", status="solved"), b)[1])(make_account(s)),
        ),
    ),
    "ticket_volume": (
        {"count": 3, "days": 30},
        lambda s: (
            (lambda a: ([ticket(s, a, NOW - timedelta(days=i), n=i) for i in range(3)], a)[1])(
                make_account(s)
            ),
            (lambda b: ([ticket(s, b, NOW - timedelta(days=i), n=i) for i in range(2)], b)[1])(
                make_account(s)
            ),
        ),
    ),
    "usage_drop": (
        {"percent": 50, "days": 7},
        lambda s: (
            (
                lambda a: (
                    _metrics(s, a, range(7, 14), events=100),
                    _metrics(s, a, range(0, 7), events=20),
                    a,
                )[2]
            )(make_account(s)),
            (
                lambda b: (
                    _metrics(s, b, range(7, 14), events=100),
                    _metrics(s, b, range(0, 7), events=80),
                    b,
                )[2]
            )(make_account(s)),
        ),
    ),
    "nps_detractor": (
        {"within_days": 30},
        lambda s: (
            (lambda a: (_survey(s, a, 3), a)[1])(make_account(s)),
            (lambda b: (_survey(s, b, 9), b)[1])(make_account(s)),
        ),
    ),
    "renewal_not_green": (
        {"days": 60},
        lambda s: (
            _scored(s, 50, renewal_date=TODAY + timedelta(days=30)),
            _scored(s, 80, renewal_date=TODAY + timedelta(days=30)),
        ),
    ),
    "no_login": (
        {"days": 14},
        lambda s: (
            (lambda a: (_metrics(s, a, range(20, 25), logins=3), a)[1])(make_account(s)),
            (lambda b: (_metrics(s, b, range(0, 5), logins=3), b)[1])(make_account(s)),
        ),
    ),
    "enters_view": (
        {"query": "segment=enterprise&band=red"},
        lambda s: (_scored(s, 20, segment="enterprise"), _scored(s, 20, segment="smb")),
    ),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_each_kind_opens_on_the_matching_account_only(session: Session, kind: str) -> None:
    params, setup = CASES[kind]
    hit, miss = setup(session)
    rule = make_rule(session, kind, params)
    outcome = evaluate(session, NOW, rule_ids=[rule.id])
    alerts = session.scalars(select(Alert).where(Alert.rule_id == rule.id)).all()
    assert [a.account_id for a in alerts] == [hit.id], kind
    assert miss.id not in [a.account_id for a in alerts]
    assert outcome.opened == [alerts[0].id]
    assert alerts[0].state == "open" and alerts[0].title == rule.name
    # Rerunning at the same time creates nothing new and resolves nothing.
    again = evaluate(session, NOW, rule_ids=[rule.id])
    assert again.opened == [] and again.resolved == []
    assert session.scalar(select(func.count()).where(Alert.rule_id == rule.id)) == 1


def test_opened_alert_records_a_change_and_an_event_for_the_owner_and_manager(session: Session) -> None:
    manager = make_user(session, role="manager")
    csm = make_user(session, role="csm", manager_id=manager.id)
    account = _scored(session, 20, owner_id=csm.id)
    rule = make_rule(session, "score_below", {"threshold": 40}, routing=[{"to": "owner"}, {"to": "manager"}])
    alert_id = evaluate(session, NOW, rule_ids=[rule.id]).opened[0]
    alert = session.get(Alert, alert_id)
    assert alert is not None and alert.account_id == account.id
    assert sorted(alert.recipient_ids) == sorted([csm.id, manager.id])
    change = session.scalars(select(AlertChange).where(AlertChange.alert_id == alert_id)).one()
    assert (change.from_state, change.to_state, change.actor_id, change.at) == (None, "open", None, NOW)
    event = session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id)).one()
    assert event.kind == "opened" and event.processed_at is None
    assert sorted(event.recipient_ids) == sorted([csm.id, manager.id])


def test_role_and_user_routes_are_deduplicated(session: Session) -> None:
    admin = make_user(session, role="admin")
    account = _scored(session, 20, owner_id=admin.id)
    rule = make_rule(
        session, "score_below", {"threshold": 40},
        routing=[{"to": "owner"}, {"to": "user", "user_id": admin.id}, {"to": "role", "role": "admin"}],
    )  # fmt: skip
    alert = session.get(Alert, evaluate(session, NOW, rule_ids=[rule.id]).opened[0])
    assert alert is not None and alert.account_id == account.id
    assert admin.id in alert.recipient_ids
    assert len(alert.recipient_ids) == len(set(alert.recipient_ids))


def test_condition_clearing_resolves_with_reason_then_cooldown_holds_rearming(session: Session) -> None:
    account = _scored(session, 20)
    rule = make_rule(session, "score_below", {"threshold": 40}, cooldown_hours=48)
    alert_id = evaluate(session, NOW, rule_ids=[rule.id]).opened[0]
    health = session.get(AccountHealth, account.id)
    assert health is not None
    health.score = 60
    session.flush()
    later = NOW + timedelta(hours=1)
    outcome = evaluate(session, later, rule_ids=[rule.id])
    assert outcome.resolved == [alert_id]
    alert = session.get(Alert, alert_id)
    session.refresh(alert)
    assert alert.state == "resolved" and alert.resolved_at == later
    assert "no longer holds" in (alert.resolution or "")
    kinds = session.scalars(select(AlertEvent.kind).where(AlertEvent.alert_id == alert_id)).all()
    assert sorted(kinds) == ["opened", "resolved"]
    # Bad again within the cooldown: nothing opens; after it, a new alert opens.
    health.score = 10
    session.flush()
    assert evaluate(session, later + timedelta(hours=47), rule_ids=[rule.id]).opened == []
    reopened = evaluate(session, later + timedelta(hours=49), rule_ids=[rule.id]).opened
    assert len(reopened) == 1 and reopened[0] != alert_id


def test_scope_limits_the_accounts(session: Session) -> None:
    inside = _scored(session, 20, segment="enterprise")
    _scored(session, 20, segment="smb")
    churned = _scored(session, 20, segment="enterprise")
    churned.churned_at = NOW
    session.flush()
    rule = make_rule(session, "score_below", {"threshold": 40}, scope="segment=enterprise")
    opened = evaluate(session, NOW, rule_ids=[rule.id]).opened
    assert [session.get(Alert, i).account_id for i in opened] == [inside.id]  # type: ignore[union-attr]


def test_owner_me_in_a_scope_means_the_rule_author(session: Session) -> None:
    csm = make_user(session, role="csm")
    mine = _scored(session, 20, owner_id=csm.id)
    _scored(session, 20)
    rule = make_rule(session, "score_below", {"threshold": 40}, scope="owner=me")
    rule.created_by_id = csm.id
    session.flush()
    opened = evaluate(session, NOW, rule_ids=[rule.id]).opened
    assert [session.get(Alert, i).account_id for i in opened] == [mine.id]  # type: ignore[union-attr]


def test_default_rules_ship_enabled(server_settings) -> None:
    """A freshly migrated database (other tests here empty the shared one) has the default rule set on."""
    from models.alert import AlertRule
    from models.db import Database
    from tests.support.jobs import committed_database

    with committed_database(server_settings, "hd_alerts_defaults") as url:
        fresh = Database(url)
        try:
            with fresh.transaction() as session:
                kinds = session.scalars(
                    select(AlertRule.kind).where(AlertRule.is_default, AlertRule.enabled)
                ).all()
        finally:
            fresh.engine.dispose()
    assert sorted(kinds) == ["band_changed", "payment_failed", "renewal_not_green", "score_drop"]
