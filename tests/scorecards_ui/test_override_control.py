"""The override control on the Account page, called as functions and over HTTP: set (validated, who/when/
why shown, computed score beside it), kept by a recompute, cleared; viewers see no control and are refused."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from dash.exceptions import PreventUpdate
from plotly.utils import PlotlyJSONEncoder
from sqlalchemy import select
from sqlalchemy.engine import Connection

from dashapp.scoring import engine
from dashapp.ui import override as ui
from models.audit import AuditLog
from models.db import Database
from models.health import AccountHealth
from models.scoring import HealthOverride
from tests.explore.dash_http import invoke


def text_of(component: Any) -> str:
    return json.dumps(component, cls=PlotlyJSONEncoder)


def until(days: int) -> str:
    return (engine.today() + timedelta(days=days)).isoformat()


def test_account_page_shows_the_control_only_to_roles_that_may_override(scored, as_user, page) -> None:
    account = scored.external_ids[0]
    for role, allowed in (("viewer", False), ("csm", True), ("manager", True)):
        with as_user(role):
            shown = text_of(page("account").layout(external_id=account))
        assert "Manual override" in shown and "No override" in shown, role
        assert ('"override-set"' in shown) is allowed, role


def test_set_shows_who_why_and_survives_a_recompute_then_clear(
    scored, session, as_user, db: Database, connection: Connection
) -> None:
    account_id = scored.account_ids[3]
    with as_user("csm") as csm:
        panel, _ = ui.set_override(1, account_id, 12, "", "Champion left; renewal at risk", until(20))
    shown = text_of(panel)
    assert "Overridden" in shown and "Set to score 12" in shown
    assert csm.email in shown and "Champion left; renewal at risk" in shown and "computed:" in shown
    assert "Override set." in shown
    health = session.get(AccountHealth, account_id)
    session.refresh(health)
    assert (health.score, health.band, health.overridden) == (12, "red", True)
    computed = health.computed_score
    # A full recompute keeps it: the shown score stays 12, the computed score is recomputed beside it.
    db.bind_to(connection)
    try:
        engine.recompute(db, as_of=scored.today)
    finally:
        db.unbind()
    session.expire_all()
    health = session.get(AccountHealth, account_id)
    assert (health.score, health.overridden) == (12, True)
    assert health.computed_score == pytest.approx(computed)
    with as_user("csm"):
        still = text_of(ui.override_panel(account_id))
        assert "Set to score 12" in still and f"computed: {computed:.0f}" in still
        cleared, _ = ui.clear_override(1, account_id, "Talked to the new champion")
    assert "Override cleared" in text_of(cleared) and "No override" in text_of(cleared)
    session.expire_all()
    health = session.get(AccountHealth, account_id)
    assert (health.score, health.overridden) == (pytest.approx(computed), False)
    actions = session.scalars(
        select(AuditLog.action).where(
            AuditLog.object_type == "account", AuditLog.object_id == str(account_id)
        )
    ).all()
    assert sorted(actions) == ["health.override.clear", "health.override.set"]


@pytest.mark.parametrize(
    "score, band, reason, expires, expected",
    [
        (50, "", "", 10, "Reason: say why the score is overridden."),
        ("", "", "why not", 10, "Give a score, a band, or both."),
        (150, "", "why not", 10, "Score: 150.0 is not between 0 and 100."),
        ("", "purple", "why not", 10, "Band: 'purple' is not one of red, yellow, green."),
        (50, "", "why not", -1, "Expires:"),
        (50, "", "why not", None, "Until: nothing is not a date (YYYY-MM-DD)."),
    ],
)
def test_bad_input_is_named_and_nothing_is_set(
    scored, session, as_user, score, band, reason, expires, expected
):
    account_id = scored.account_ids[1]
    with as_user("csm"):
        panel, message = ui.set_override(
            1, account_id, score, band, reason, until(expires) if expires is not None else None
        )
    assert panel is not PreventUpdate and expected in text_of(message)
    assert session.scalars(select(HealthOverride).where(HealthOverride.account_id == account_id)).all() == []


def test_a_viewer_calling_the_callbacks_is_refused(scored, session, as_user) -> None:
    account_id = scored.account_ids[2]
    with as_user("viewer"):
        with pytest.raises(PreventUpdate):
            ui.set_override(1, account_id, 10, "", "sneaky", until(5))
        with pytest.raises(PreventUpdate):
            ui.clear_override(1, account_id, "")
    assert session.scalars(select(HealthOverride)).all() == []


def test_the_server_refuses_a_viewers_override_request(scored, client, logged_in, session) -> None:
    account_id = scored.account_ids[2]
    logged_in("viewer")
    state = {
        "override-account.data": account_id,
        "override-score.value": 10,
        "override-band.value": "",
        "override-reason.value": "sneaky",
        "override-expires.value": until(5),
    }
    deps = client.get("/_dash-dependencies").json
    setter = next(d for d in deps if any(i["id"] == "override-set" for i in d["inputs"]))
    response = invoke(client, setter["output"], {"override-set.n_clicks": 1}, state)
    assert response.status_code == 403, response.get_data(as_text=True)
    assert "override_scores" in response.get_data(as_text=True)
    assert session.scalars(select(HealthOverride)).all() == []
