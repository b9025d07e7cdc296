"""The alert rule form: its parameter fields come from each kind's model, a rule survives the round trip
through the form unchanged, bad input is named by field with nothing saved (validated by the API's own
`RuleSpec`), and the page shows the form only to people who may manage rules."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.alerts.evaluate import spec_of
from dashapp.alerts.rules import RuleSpec
from dashapp.ui import rule_form
from models.alert import AlertRule
from tests.alerts.support import make_rule
from tests.support.dash_calls import callback_body, render_page
from tests.support.factories import make_user
from tests.tasks.support import make_playbook


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AlertRule)) or 0


def test_parameter_fields_are_read_off_the_kind_model() -> None:
    fields = {f["name"]: f for f in rule_form.param_fields("band_changed")}
    assert fields["to"]["kind"] == "choice" and fields["to"]["choices"] == ("red", "yellow", "green")
    assert (fields["within_days"]["kind"], fields["within_days"]["value"]) == ("number", 7)
    assert rule_form.param_fields("urgent_ticket") == []
    assert [f["kind"] for f in rule_form.param_fields("enters_view")] == ["text"]


def test_a_rule_goes_through_the_form_unchanged(session: Session) -> None:
    user = make_user(session, role="csm")
    playbook = make_playbook(session)
    rule = make_rule(
        session, "score_drop", {"points": 15, "days": 7}, name="Fast drop", severity="critical",
        scope="segment=enterprise", routing=[{"to": "owner"}, {"to": "role", "role": "admin"},
                                             {"to": "user", "user_id": user.id}],
        channels=["in_app", "email"], cooldown_hours=12, playbook_id=playbook.id,
        escalation=[{"after_hours": 2, "target": "manager"}, {"after_hours": 8, "target": "admins"}],
    )  # fmt: skip
    values = rule_form.form_values(rule)
    assert values["escalation_mode"] == "custom" and values["route_user"] == str(user.id)
    steps = [*values["steps"], (None, "manager")]  # an empty row of the form is no step
    data = rule_form.spec_data(values, values["params"], steps)
    assert RuleSpec.model_validate(data) == spec_of(rule)


def test_bad_input_names_the_field_and_saves_nothing(session: Session) -> None:
    make_rule(session, "no_login", {"days": 14}, name="Quiet")
    before = _count(session)
    values = rule_form.form_values(None)
    cases = [
        ({"name": "  "}, {}, "Name (name)"),
        ({"name": "quiet"}, {"threshold": 30}, "Name (name): is already used"),
        ({"name": "New"}, {"threshold": 150}, "Threshold (parameter) (params.threshold)"),
        ({"name": "New"}, {}, "Threshold (parameter) (params.threshold): Field required"),
        ({"name": "New", "scope": "band=purple"}, {"threshold": 30}, "Scope (scope)"),
        ({"name": "New", "route_to": []}, {"threshold": 30}, "Routing (routing)"),
        ({"name": "New", "cooldown_hours": -1}, {"threshold": 30}, "Cooldown (hours) (cooldown_hours)"),
        ({"name": "New", "playbook_id": "999999"}, {"threshold": 30}, "Playbook (playbook_id)"),
    ]
    for change, params, named in cases:
        data = rule_form.spec_data({**values, **change}, params, [])
        saved = rule_form.save(session, data, None, None)
        assert saved.rule is None and any(e.startswith(named) for e in saved.errors), (change, saved.errors)
    steps = [(8, "manager"), (2, "admins")]
    data = rule_form.spec_data(
        {**values, "name": "New", "escalation_mode": "custom"}, {"threshold": 30}, steps
    )
    assert (
        rule_form.save(session, data, None, None)
        .errors[0]
        .startswith("Escalation (escalation): escalation.1.after_hours: each step must come later")
    )
    assert _count(session) == before


def _save_body(client, editing: dict, threshold: object = 30, **form: object) -> dict:
    values = {"rule-name": "", "rule-kind": "score_below", "rule-scope": "", "rule-severity": "warning",
              "rule-route-to": ["owner"], "rule-route-roles": [], "rule-route-user": "",
              "rule-channels": ["in_app"], "rule-cooldown": 24, "rule-escalation-mode": "default",
              "rule-playbook": "", "rule-enabled": True, **form}  # fmt: skip
    body = callback_body(
        [("rule-errors", "children"), ("rule-result", "children"), ("rules-table-box", "children"),
         ("rule-form-collapse", "is_open")],
        [("rule-save", "n_clicks", 1)],
        [("rule-editing", "data", editing), *((k, "value", v) for k, v in values.items())],
        client=client,
    )  # fmt: skip
    param = {"type": "rule-param", "name": "threshold"}
    state = body["state"]
    # Pattern-matching (ALL) states arrive as lists, in the callback's order.
    body["state"] = [
        state[0], state[1], state[2],
        [{"id": param, "property": "value", "value": threshold}],
        [{"id": param, "property": "id", "value": param}],
        *state[3:11],
        [], [],
        *state[11:],
    ]  # fmt: skip
    return body


def test_the_page_saves_a_rule_for_managers_only(client, logged_in, session: Session) -> None:
    logged_in("manager")
    assert "rule-save" in json.dumps(render_page(client, "/alerts/rules").json)
    before = _count(session)
    bad = client.post(
        "/_dash-update-component", json=_save_body(client, {}, threshold=500, **{"rule-name": "Low"})
    )
    assert "Threshold (parameter) (params.threshold)" in bad.get_data(as_text=True)
    assert _count(session) == before
    good = client.post("/_dash-update-component", json=_save_body(client, {}, **{"rule-name": "Low"}))
    assert "Saved the rule" in good.get_data(as_text=True), good.get_data(as_text=True)
    rule = session.scalars(select(AlertRule).where(AlertRule.name == "Low")).one()
    assert (rule.kind, rule.params, rule.escalation) == ("score_below", {"threshold": 30.0}, None)
    logged_in("viewer")
    assert "rule-save" not in json.dumps(render_page(client, "/alerts/rules").json)
    refused = client.post("/_dash-update-component", json=_save_body(client, {}, **{"rule-name": "Sneaky"}))
    assert refused.status_code in (204, 403)
    assert session.scalar(select(func.count()).where(AlertRule.name == "Sneaky")) == 0
