"""The Scorecards page called as functions: who may open it, the live preview, validation that names the
field, saving a new version that queues a recompute, and refusal for a viewer on the server."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from dash.exceptions import PreventUpdate
from plotly.utils import PlotlyJSONEncoder
from sqlalchemy import select

from components.scorecard_editor import field_id
from dashapp.scoring import service
from dashapp.scoring.store import ensure_default_scorecard
from dashapp.shell import visible_pages
from dashapp.ui.scorecard_form import field_values
from models.audit import AuditLog
from models.job import JobRun
from models.scoring import ScorecardVersion
from tests.explore.dash_http import invoke
from tests.support.factories import make_user


def text_of(component: Any) -> str:
    return json.dumps(component, cls=PlotlyJSONEncoder)


def form(session, **changes: Any) -> tuple[list[Any], list[dict[str, str]], dict[str, Any]]:
    """The form's values and ids for the default scorecard's version in use, with `changes` (path=value,
    dots written as __) applied; and the page's `sc-current` store."""
    card = ensure_default_scorecard(session)
    version = session.get(ScorecardVersion, card.current_version_id)
    values = field_values(version.definition)
    for key, value in changes.items():
        path = key.replace("__", ".")
        assert path in values, path
        values[path] = value
    current = {"scorecard_id": card.id, "version_id": version.id, "definition": version.definition}
    return list(values.values()), [field_id(p) for p in values], current


def test_only_managers_and_admins_see_and_open_the_page(session, as_user, page) -> None:
    for role, allowed in (("viewer", False), ("csm", False), ("manager", True), ("admin", True)):
        with as_user(role) as user:
            names = [p["name"] for p in visible_pages(user)]
            shown = text_of(page("scorecards").layout())
        assert ("Scorecards" in names) is allowed, role
        assert ("Not available for your role" in shown) is not allowed, role
        if allowed:
            assert "Usage" in shown and "Active users trend" in shown and "Every account" in shown


def test_preview_shows_distribution_and_backtest_of_the_edit(scored, session, as_user, page) -> None:
    values, ids, current = form(session, groups__0__weight=90, bands__1__min_score=50)
    with as_user("manager"):
        body, errors = page("scorecards").preview(values, "light", ids, current)
    assert errors is None
    shown = text_of(body)
    assert re.search(r"Preview on all \d+ scored accounts", shown)
    assert "sc-preview-dist" in shown, shown[-3000:]
    assert "Mean ROC AUC" in shown, shown[shown.index("Backtest") :][:1500]
    assert "AUC saved" in shown and "AUC edit" in shown


def test_a_large_book_is_previewed_on_a_sample_and_says_so(scored, session) -> None:
    card = ensure_default_scorecard(session)
    version = session.get(ScorecardVersion, card.current_version_id)
    out = service.preview_scorecard(session, version.definition, sample=10)
    assert out["sample"] == {"accounts": 10, "of": 36}
    assert out["current"]["accounts"] <= 10 and out["proposed"]["accounts"] <= 10
    again = service.preview_scorecard(session, version.definition, sample=10)
    assert again["current"] == out["current"]  # the same accounts each time
    from components.scorecard_editor import sample_note

    assert sample_note(out).startswith("Preview on a sample of 10 of 36 accounts")


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"groups__1__weight": -5}, "Engagement > weight: Input should be greater than 0"),
        ({"groups__0__measures__0__weight": ""}, "Usage > Active users trend > weight:"),
        (
            {"groups__0__measures__1__normalisation": '{"type": "linear", "low": 9, "high": 1}'},
            "Usage > Product activity trend > normalisation: high must be greater than low",
        ),
        (
            {"groups__0__measures__0__normalisation": "{type: trend"},
            "Usage > Active users trend > normalisation: not valid JSON",
        ),
        ({"bands__1__min_score": 80}, "band min_score values must be strictly increasing"),
        ({"groups__2__measures__0__window_days": "a month"}, "window_days: Input should be a valid integer"),
    ],
)
def test_bad_values_are_named_and_nothing_is_previewed_or_saved(
    scored, session, as_user, page, changes, expected
) -> None:
    values, ids, current = form(session, **changes)
    with as_user("manager"):
        body, errors = page("scorecards").preview(values, "light", ids, current)
        saved = page("scorecards").save(1, values, ids, current, "bad")
    assert expected in text_of(errors)
    assert "waits for a valid scorecard" in text_of(body)
    assert expected in text_of(saved[0])
    versions = session.scalars(
        select(ScorecardVersion).where(ScorecardVersion.scorecard_id == current["scorecard_id"])
    )
    assert len(list(versions)) == 1


def test_save_adds_a_version_and_queues_a_recompute(scored, session, as_user, page) -> None:
    values, ids, current = form(session, groups__3__weight=40, groups__1__measures__1__enabled=False)
    with as_user("manager") as manager:
        message, fresh, _summary, _versions, editor = page("scorecards").save(
            1, values, ids, current, "More billing"
        )
    shown = text_of(message)
    assert "Saved version 2" in shown and "Recompute of every account queued" in shown
    version = session.get(ScorecardVersion, fresh["version_id"])
    assert version.version == 2 and version.note == "More billing" and version.created_by_id == manager.id
    assert version.definition["groups"][3]["weight"] == 40
    assert [m["key"] for m in version.definition["groups"][1]["measures"]] == ["logins_trend"]
    assert "sessions_trend" not in text_of(editor)  # the form now shows the saved version
    run = session.scalars(select(JobRun).where(JobRun.kind == "scores.recompute")).one()
    assert run.requested_by_id == manager.id and run.status in ("queued", "started", "finished")
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "scorecard.version")).one()
    assert audit.actor_id == manager.id
    # Saving the same form again changes nothing; a stale form (older version) is refused.
    values, ids, now = form(session)
    with as_user("manager"):
        same = page("scorecards").save(1, values, ids, now, "")
        stale = page("scorecards").save(1, values, ids, current, "")
    assert "Nothing changed" in text_of(same[0])
    assert "changed by someone else" in text_of(stale[0])


def test_viewer_cannot_preview_or_save_even_calling_the_callbacks(scored, session, as_user, page) -> None:
    values, ids, current = form(session, groups__0__weight=1)
    for role in ("viewer", "csm"):
        with as_user(role):
            with pytest.raises(PreventUpdate):
                page("scorecards").save(1, values, ids, current, "")
            with pytest.raises(PreventUpdate):
                page("scorecards").preview(values, "light", ids, current)
    assert (
        session.scalar(select(ScorecardVersion.version).order_by(ScorecardVersion.version.desc()).limit(1))
        == 1
    )


def test_viewer_is_refused_by_the_server(client, logged_in, session) -> None:
    logged_in("viewer")
    values, ids, current = form(session, groups__0__weight=1)
    pairs = list(zip(ids, values, strict=True))
    key = '{"path":["ALL"],"type":"sc-field"}'
    response = invoke(
        client,
        "sc-save-result.children",
        {"sc-save.n_clicks": 1},
        {
            f"{key}.value": pairs,
            f"{key}.id": [(i, i) for i in ids],
            "sc-current.data": current,
            "sc-note.value": "x",
        },
    )
    assert response.status_code == 403
    assert "edit_scorecards" in response.get_data(as_text=True)
    page = client.get("/scorecards")
    assert page.status_code == 200  # the shell loads; its layout refuses (see the test above)
    make_user(session, role="manager")


def test_an_unknown_scorecard_id_says_so_and_lists_the_others(session, as_user, page) -> None:
    with as_user("manager"):
        shown = text_of(page("scorecards").layout(id="999999"))
        bad = text_of(page("scorecards").layout(id="<script>"))
    assert "No such scorecard" in shown and "999999" in shown and "sc-list" in shown
    assert "No such scorecard" in bad
