"""`healthdash alerts evaluate --now`, `alerts escalate --now` and `alerts list` in a child process, on a
committed database: the controlled clock decides what opens and what escalates; a rerun changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from dashapp.settings import Settings
from models.db import Database
from tests.alerts.support import NOW, failed_payment, make_rule
from tests.support.cli import healthdash, one_line_error
from tests.support.database import truncate_all
from tests.support.factories import make_account, make_user


@pytest.fixture
def committed(db: Database) -> Iterator[Database]:
    truncate_all(db.engine)
    yield db
    truncate_all(db.engine)


def test_evaluate_with_now_then_list(
    committed: Database, test_env: dict[str, str], settings: Settings
) -> None:
    with committed.transaction() as session:
        account = make_account(session, external_id="acct-cli")
        failed_payment(session, account, NOW - timedelta(days=1))
        make_rule(session, "payment_failed", {"within_days": 7}, name="Payment failed")
    env = test_env
    late = healthdash(env, "alerts", "evaluate", "--now", (NOW + timedelta(days=30)).isoformat())
    assert late.returncode == 0, late.stderr
    assert "0 opened" in late.stdout
    first = healthdash(env, "alerts", "evaluate", "--now", NOW.isoformat())
    assert first.returncode == 0, first.stderr
    assert "1 opened" in first.stdout
    again = healthdash(env, "alerts", "evaluate", "--now", NOW.isoformat())
    assert "0 opened" in again.stdout
    listed = healthdash(env, "alerts", "list", "--state", "open")
    assert listed.returncode == 0, listed.stderr
    assert "Payment failed" in listed.stdout and "acct-cli" in listed.stdout
    assert "not a time" in one_line_error(healthdash(env, "alerts", "evaluate", "--now", "yesterday"))


def test_escalate_with_now_reaches_the_manager_at_the_policy_time(
    committed: Database, test_env: dict[str, str]
) -> None:
    with committed.transaction() as session:
        manager = make_user(session, role="manager", email="boss@example.com")
        owner = make_user(session, role="csm", manager_id=manager.id)
        account = make_account(session, external_id="acct-esc", name="Escalated Inc", owner_id=owner.id)
        failed_payment(session, account, NOW - timedelta(days=1))
        make_rule(
            session,
            "payment_failed",
            {"within_days": 7},
            name="Payment failed",
            severity="warning",
            escalation=[{"after_hours": 2, "target": "manager"}],
        )
    env = test_env
    assert "1 opened" in healthdash(env, "alerts", "evaluate", "--now", NOW.isoformat()).stdout
    early = healthdash(env, "alerts", "escalate", "--now", (NOW + timedelta(hours=1)).isoformat())
    assert early.returncode == 0, early.stderr
    assert "Escalated 0 step(s)" in early.stdout
    due = healthdash(env, "alerts", "escalate", "--now", (NOW + timedelta(hours=2)).isoformat())
    assert due.returncode == 0, due.stderr
    assert "Escalated Inc" in due.stdout and "step 1 -> manager: boss@example.com" in due.stdout
    assert "Escalated 1 step(s)" in due.stdout and "1 notification(s)" in due.stdout
    again = healthdash(env, "alerts", "escalate", "--now", (NOW + timedelta(hours=2)).isoformat())
    assert "Escalated 0 step(s)" in again.stdout
    assert "not a time" in one_line_error(healthdash(env, "alerts", "escalate", "--now", "soon"))
