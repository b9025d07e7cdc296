"""`/alert-rules` and `/alerts` through the app's HTTP interface: CRUD, 4xx naming the field with nothing
saved, lifecycle actions and permissions per role."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.alerts.evaluate import evaluate
from models.alert import Alert, AlertChange, AlertRule
from tests.alerts.support import NOW, make_rule
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_health

RULE = {
    "name": "Enterprise below 30",
    "kind": "score_below",
    "params": {"threshold": 30},
    "scope": "segment=enterprise",
    "severity": "critical",
    "routing": [{"to": "owner"}, {"to": "manager"}],
    "channels": ["in_app", "email"],
}


def _rules(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AlertRule)) or 0


def test_rule_crud(api, token, session: Session) -> None:
    _user, secret = token("manager", "write")
    created = api.request("POST", "/alert-rules", secret, json=RULE)
    assert created.status_code == 201, created.get_json()
    rule = created.get_json()
    assert rule["kind"] == "score_below" and rule["params"] == {"threshold": 30.0}
    assert api.get(f"/alert-rules/{rule['id']}", secret).get_json()["name"] == RULE["name"]
    names = [r["name"] for r in api.get("/alert-rules", secret).get_json()["data"]]
    assert (
        RULE["name"] in names
    )  # the shipped rules are checked on a fresh database in test_default_rules_ship_enabled
    changed = api.request("PUT", f"/alert-rules/{rule['id']}", secret, json={**RULE, "enabled": False})
    assert changed.status_code == 200 and changed.get_json()["enabled"] is False
    assert api.request("DELETE", f"/alert-rules/{rule['id']}", secret).status_code == 200
    assert api.get(f"/alert-rules/{rule['id']}", secret).status_code == 404


def test_bad_rules_get_a_4xx_naming_the_field_and_save_nothing(api, token, session: Session) -> None:
    _user, secret = token("admin", "write")
    before = _rules(session)
    cases = [
        ({**RULE, "kind": "moon_phase"}, "body.kind"),
        ({**RULE, "kind": "score_drop", "params": {"points": 150, "days": 7}}, "body.params.points"),
        ({**RULE, "kind": "churn_probability", "params": {"probability": 2}}, "body.params.probability"),
        ({**RULE, "params": {"threshold": 30, "colour": "red"}}, "body.params.colour"),
        ({**RULE, "scope": "band=purple"}, "body.scope"),
        ({**RULE, "routing": [{"to": "user"}]}, "body.routing.0"),
        ({**RULE, "channels": ["pigeon"]}, "body.channels.0"),
        ({**RULE, "routing": [{"to": "user", "user_id": 999999}]}, "body.routing.0.user_id"),
    ]
    for payload, field in cases:
        response = api.request("POST", "/alert-rules", secret, json=payload)
        assert response.status_code == 422, (field, response.get_json())
        names = [e["name"] for e in response.get_json()["errors"]]
        assert field in names, (field, names)
    api.request("POST", "/alert-rules", secret, json=RULE)
    duplicate = api.request("POST", "/alert-rules", secret, json=RULE)
    assert duplicate.status_code == 409
    assert _rules(session) == before + 1


def test_a_rule_carries_its_escalation_policy_or_its_severity_default(api, token, session: Session) -> None:
    _user, secret = token("admin", "write")
    default = api.request("POST", "/alert-rules", secret, json=RULE).get_json()
    assert default["escalation"] is None
    assert default["effective_escalation"] == [
        {"after_hours": 4.0, "target": "manager"},
        {"after_hours": 24.0, "target": "admins"},
    ]
    own = [{"after_hours": 2, "target": "manager"}, {"after_hours": 6, "target": "admins"}]
    changed = api.request("PUT", f"/alert-rules/{default['id']}", secret, json={**RULE, "escalation": own})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["effective_escalation"] == changed.get_json()["escalation"]
    assert session.get(AlertRule, default["id"]).escalation == [  # type: ignore[union-attr]
        {"after_hours": 2.0, "target": "manager"},
        {"after_hours": 6.0, "target": "admins"},
    ]
    never = api.request("PUT", f"/alert-rules/{default['id']}", secret, json={**RULE, "escalation": []})
    assert never.get_json()["effective_escalation"] == []


def test_a_bad_escalation_policy_gets_a_4xx_naming_the_field_and_saves_nothing(
    api, token, session: Session
) -> None:
    _user, secret = token("admin", "write")
    before = _rules(session)
    step = {"after_hours": 4, "target": "manager"}
    cases = [
        ([{**step, "after_hours": 0}], "body.escalation.0.after_hours"),
        ([{**step, "after_hours": 24 * 366}], "body.escalation.0.after_hours"),
        ([step, {**step, "target": "ceo"}], "body.escalation.1.target"),
        ([{**step, "when": "later"}], "body.escalation.0.when"),
        ([{"target": "admins"}], "body.escalation.0.after_hours"),
        ([step, {"after_hours": 2, "target": "admins"}], "body.escalation"),
        ([step] * 6, "body.escalation"),
        ("soon", "body.escalation"),
    ]
    for policy, field in cases:
        response = api.request("POST", "/alert-rules", secret, json={**RULE, "escalation": policy})
        assert response.status_code == 422, (field, response.get_json())
        errors = response.get_json()["errors"]
        assert field in [e["name"] for e in errors], (field, errors)
    rule = api.request("POST", "/alert-rules", secret, json=RULE).get_json()
    bad = api.request(
        "PUT",
        f"/alert-rules/{rule['id']}",
        secret,
        json={**RULE, "escalation": [{**step, "after_hours": -1}]},
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["name"] == "body.escalation.0.after_hours"
    assert session.get(AlertRule, rule["id"]).escalation is None  # type: ignore[union-attr]
    assert _rules(session) == before + 1


def test_viewers_and_csms_cannot_write_rules(api, token) -> None:
    for role in ("viewer", "csm"):
        _user, secret = token(role, "write")
        assert api.request("POST", "/alert-rules", secret, json=RULE).status_code == 403
        _user, read = token(role, "read")
        assert api.get("/alert-rules", read).status_code == 200


def _alert_for(session: Session, owner_id: int | None) -> Alert:
    account = make_account(session, owner_id=owner_id)
    make_health(session, account, 10, day=NOW.date())
    rule = make_rule(session, "score_below", {"threshold": 40}, name=f"low {account.id}")
    evaluate(session, NOW, rule_ids=[rule.id])
    return session.scalars(
        select(Alert).where(Alert.rule_id == rule.id, Alert.account_id == account.id)
    ).one()


def test_lifecycle_over_the_api_is_recorded_with_who(api, token, session: Session) -> None:
    csm, secret = token("csm", "write")
    alert = _alert_for(session, csm.id)
    listed = api.get("/alerts?mine=true&state=open", secret).get_json()
    assert [a["id"] for a in listed["data"]] == [alert.id]
    ack = api.request("POST", f"/alerts/{alert.id}/acknowledge", secret)
    assert ack.status_code == 200 and ack.get_json()["changed"] == [alert.id]
    until = (NOW + timedelta(days=3650)).isoformat()
    snooze = api.request(
        "POST", f"/alerts/{alert.id}/snooze", secret, json={"until": until, "reason": "on leave"}
    )
    assert snooze.status_code == 200
    resolved = api.request("POST", f"/alerts/{alert.id}/resolve", secret, json={"reason": "called them"})
    assert resolved.status_code == 200
    detail = api.get(f"/alerts/{alert.id}", secret).get_json()
    assert detail["state"] == "resolved" and detail["resolution"] == "called them"
    steps = [(c["to_state"], c["actor"]) for c in detail["changes"]]
    assert steps == [
        ("open", "system"),
        ("acknowledged", csm.email),
        ("snoozed", csm.email),
        ("resolved", csm.email),
    ]


def test_snooze_needs_a_future_date_and_a_reason(api, token, session: Session) -> None:
    csm, secret = token("csm", "write")
    alert = _alert_for(session, csm.id)
    past = api.request(
        "POST", "/alerts/actions", secret,
        json={"action": "snooze", "ids": [alert.id], "until": "2000-01-01T00:00:00Z", "reason": "x"},
    )  # fmt: skip
    assert past.status_code == 422 and past.get_json()["errors"][0]["name"] == "body.until"
    naive = api.request(
        "POST", f"/alerts/{alert.id}/snooze", secret, json={"until": "2099-01-01T00:00", "reason": "x"}
    )
    assert naive.status_code == 422 and naive.get_json()["errors"][0]["name"] == "body.until"
    no_reason = api.request(
        "POST", f"/alerts/{alert.id}/snooze", secret, json={"until": "2099-01-01T00:00:00Z"}
    )
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"][0]["name"] == "body.reason"
    assert session.scalar(select(func.count()).where(AlertChange.alert_id == alert.id)) == 1


def test_permissions_per_role(api, token, session: Session) -> None:
    manager = make_user(session, role="manager")
    report = make_user(session, role="csm", manager_id=manager.id)
    stranger = make_user(session, role="csm")
    on_team = _alert_for(session, report.id)
    elsewhere = _alert_for(session, stranger.id)
    _viewer, viewer_secret = token("viewer", "write")
    assert api.get("/alerts", viewer_secret).status_code == 200
    assert api.request("POST", f"/alerts/{on_team.id}/acknowledge", viewer_secret).status_code == 403
    _u, csm_secret = token(user=report, scope="write")
    refused = api.request("POST", f"/alerts/{elsewhere.id}/acknowledge", csm_secret)
    assert refused.status_code == 403 and refused.get_json()["errors"][0]["name"] == "body.ids"
    _m, manager_secret = token(user=manager, scope="write")
    team = api.get("/alerts?team=true", manager_secret).get_json()["data"]
    assert on_team.id in [a["id"] for a in team] and elsewhere.id not in [a["id"] for a in team]
    assert {a["owner_id"] for a in team} == {report.id}
    # Bulk: one alert outside the team refuses the whole request; nothing changes.
    bulk = api.request(
        "POST",
        "/alerts/actions",
        manager_secret,
        json={"action": "acknowledge", "ids": [on_team.id, elsewhere.id]},
    )
    assert bulk.status_code == 403
    session.refresh(on_team)
    assert on_team.state == "open"
    ok = api.request(
        "POST", "/alerts/actions", manager_secret, json={"action": "acknowledge", "ids": [on_team.id]}
    )
    assert ok.status_code == 200
    _a, admin_secret = token("admin", "write")
    assert api.request("POST", f"/alerts/{elsewhere.id}/resolve", admin_secret, json={}).status_code == 200
    assert api.request("POST", "/alerts/999999999/acknowledge", admin_secret).status_code == 404


def test_alert_endpoints_are_in_the_openapi_document(api) -> None:
    doc = api.get("/openapi.json").get_json()
    for path in (
        "/alert-rules",
        "/alert-rules/{rule_id}",
        "/alerts",
        "/alerts/{alert_id}/snooze",
        "/alerts/actions",
    ):
        assert path in doc["paths"], path
    schemas = doc["components"]["schemas"]
    step = schemas["EscalationStepSpec"]["properties"]
    assert step["target"]["enum"] == ["manager", "admins"] and step["after_hours"]["exclusiveMinimum"] == 0
    assert "escalation" in schemas["RuleSpec"]["properties"]
    assert {"escalation", "effective_escalation"} <= set(schemas["AlertRuleOut"]["properties"])
