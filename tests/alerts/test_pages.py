"""The Alerts and Alert rules pages over Dash's HTTP interface: filters from the URL, bulk acknowledge,
the rules' noise figures."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from dashapp.alerts.evaluate import evaluate
from models.alert import Alert
from tests.alerts.support import NOW, make_rule
from tests.support.dash_calls import callback_body, render_page
from tests.support.factories import make_account
from tests.support.health_rows import make_health


def _alerts(session: Session, owner_id: int) -> list[Alert]:
    mine = make_account(session, name="Mine Co", owner_id=owner_id)
    other = make_account(session, name="Other Co")
    for account in (mine, other):
        make_health(session, account, 10, day=NOW.date())
    rule = make_rule(session, "score_below", {"threshold": 40}, name="Low score")
    return [session.get(Alert, i) for i in evaluate(session, NOW, rule_ids=[rule.id]).opened]  # type: ignore[misc]


def test_alerts_page_filters_and_bulk_acknowledge(client, logged_in, session: Session) -> None:
    csm = logged_in("csm")
    alerts = _alerts(session, csm.id)
    everything = json.dumps(render_page(client, "/alerts").json)
    assert "Mine Co" in everything and "Other Co" in everything
    mine = json.dumps(render_page(client, "/alerts", "?mine=1").json)
    assert "Mine Co" in mine and "Other Co" not in mine
    bad = json.dumps(render_page(client, "/alerts", "?severity=loud").json)
    assert "severity: loud is not valid" in bad
    own = next(a for a in alerts if a.recipient_ids == [csm.id])
    pick = {"type": "alert-pick", "id": own.id}
    body = callback_body(
        [("alerts-action-result", "children"), ("alerts-list", "children")],
        [
            ("alerts-ack", "n_clicks", 1),
            ("alerts-snooze", "n_clicks", None),
            ("alerts-resolve", "n_clicks", None),
        ],
        [
            ("alerts-snooze-days", "value", 3),
            ("alerts-snooze-reason", "value", ""),
            ("alerts-query", "data", {}),
        ],
    )
    # Pattern-matching (ALL) states arrive as lists, one entry per matching component.
    body["state"] = [
        [{"id": pick, "property": "value", "value": True}],
        [{"id": pick, "property": "id", "value": pick}],
        *body["state"],
    ]
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "1 alert(s) acknowledged" in response.get_data(as_text=True)
    session.refresh(own)
    assert own.state == "acknowledged"


def test_rules_page_shows_noise_figures_and_escalation(client, logged_in, session: Session) -> None:
    csm = logged_in("viewer")
    _alerts(session, csm.id)  # "Low score" is a warning with no policy of its own
    make_rule(
        session, "no_login", {"days": 14}, name="Quiet", escalation=[{"after_hours": 2, "target": "admins"}]
    )
    page = json.dumps(render_page(client, "/alerts/rules").json)
    assert "Low score" in page and "Per week" in page  # shipped rules: test_default_rules_ship_enabled
    assert "manager after 24 h, admins after 72 h" in page and "(severity default)" in page
    assert "admins after 2 h" in page
