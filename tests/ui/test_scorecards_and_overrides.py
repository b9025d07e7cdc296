"""In headless Chromium: a CSM sets and clears an override on the Account page (and a recompute keeps it),
a manager edits a scorecard with its live preview and saves it, and a viewer sees neither control."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from dashapp.scoring import engine
from dashapp.settings import Settings
from jobs import runtime
from jobs.queues import all_queues, redis_connection
from jobs.workers import SimpleWorker
from models.db import Database
from models.health import HealthSnapshot
from models.job import JobRun
from models.scoring import ScorecardVersion
from tests.scoring.book import seed_book
from tests.support.factories import make_user
from tests.ui.conftest import nav_link, ui_login
from tests.ui.test_explore import settle

pytestmark = pytest.mark.ui


@pytest.fixture
def scored_book(live_db: Database) -> dict[str, Any]:
    """A committed, scored book (36 accounts, 300 days) and a CSM, a manager and a viewer."""
    with live_db.transaction() as session:
        book = seed_book(engine.driver(session), accounts=36, days=300)
        people = {role: make_user(session, role=role).email for role in ("csm", "manager", "viewer")}
    engine.recompute(live_db, as_of=book.today)
    return {"account": book.external_ids[4], **people}


def test_csm_sets_an_override_a_recompute_keeps_it_and_the_csm_clears_it(
    page, scored_book, live_db, screenshot
) -> None:
    ui_login(page, scored_book["csm"])
    page.goto(f"/accounts/{scored_book['account']}")
    settle(page)
    status = page.locator("#override-status")
    assert "No override" in status.inner_text()
    page.fill("#override-score", "18")
    page.fill("#override-reason", "Champion left; renewal call went badly")
    page.click("#override-set")
    page.wait_for_selector("#override-message")
    assert "Reason" not in page.inner_text("#override-message")
    page.wait_for_function(
        "() => document.querySelector('#override-status').innerText.includes('Overridden')"
    )
    text = status.inner_text()
    assert "Set to score 18" in text and scored_book["csm"] in text and "Champion left" in text
    screenshot(page, "override-set")

    engine.recompute(live_db)  # the nightly recompute runs
    page.reload()
    settle(page)
    text = page.inner_text("#override-status")
    assert "Set to score 18" in text and "Shown: 18 (red)" in text and "computed:" in text
    screenshot(page, "override-after-recompute")

    page.fill("#override-reason", "New champion engaged")
    page.click("#override-clear")
    page.wait_for_function(
        "() => document.querySelector('#override-status').innerText.includes('No override')"
    )
    assert "Override cleared" in page.inner_text("#override-message")
    screenshot(page, "override-cleared")


def test_override_with_bad_input_says_what_to_fix(page, scored_book, screenshot) -> None:
    ui_login(page, scored_book["csm"])
    page.goto(f"/accounts/{scored_book['account']}")
    settle(page)
    page.fill("#override-score", "40")
    page.click("#override-set")
    page.wait_for_selector("#override-message")
    assert "Reason: say why the score is overridden" in page.inner_text("#override-message")
    assert page.input_value("#override-score") == "40"  # what was typed is kept
    screenshot(page, "override-error")


def test_manager_edits_a_scorecard_with_a_live_preview_and_saves_it(
    page, scored_book, screenshot, live_db: Database, settings: Settings
) -> None:
    ui_login(page, scored_book["manager"])
    nav_link(page, "Scorecards", group="Admin").click()
    page.wait_for_url("**/scorecards")
    page.wait_for_selector("#sc-preview-body", timeout=180_000)
    assert "Mean ROC AUC" in page.inner_text("#sc-preview-body")
    screenshot(page, "scorecards")

    weight = page.locator("""[id='{"path":"groups.1.weight","type":"sc-field"}']""")
    weight.fill("-5")
    weight.press("Tab")
    page.wait_for_selector("#sc-error-list")
    assert "Engagement > weight: Input should be greater than 0" in page.inner_text("#sc-error-list")
    screenshot(page, "scorecards-error")

    weight.fill("60")
    weight.press("Tab")
    page.wait_for_selector("#sc-error-list", state="detached")
    page.wait_for_selector("#sc-preview-body", timeout=180_000)
    settle(page)
    page.fill("#sc-note", "More weight on engagement")
    page.click("#sc-save")
    page.wait_for_selector("#sc-save-alert")
    assert "Saved version 2" in page.inner_text("#sc-save-alert")
    assert "Recompute of every account queued" in page.inner_text("#sc-save-alert")
    assert page.inner_text("#sc-version") == "v2"
    screenshot(page, "scorecards-saved")

    # A worker runs the queued recompute: today's snapshots now name version 2.
    runtime.use_database(live_db)
    try:
        worker = SimpleWorker(
            all_queues(settings, ["scores"]), connection=redis_connection(settings.redis_url or "")
        )
        worker.work(burst=True, with_scheduler=False)
    finally:
        runtime.use_database(None)
    with live_db.transaction() as session:
        run = session.scalars(select(JobRun).where(JobRun.kind == "scores.recompute")).one()
        assert run.status == "finished", run.error
        version = session.scalar(select(ScorecardVersion).where(ScorecardVersion.version == 2))
        used = session.scalars(
            select(HealthSnapshot.scorecard_version_id).where(HealthSnapshot.day == engine.today()).distinct()
        ).all()
    assert used == [version.id]


def test_viewer_sees_no_override_control_and_no_scorecards(page, scored_book, screenshot) -> None:
    ui_login(page, scored_book["viewer"])
    assert page.locator("#navbar-collapse a", has_text="Scorecards").count() == 0
    assert page.locator("#nav-group-admin").count() == 0
    page.goto(f"/accounts/{scored_book['account']}")
    settle(page)
    assert "No override" in page.inner_text("#override-status")
    assert page.locator("#override-form").count() == 0
    screenshot(page, "override-viewer")
    page.goto("/scorecards")
    settle(page)
    assert "Not available for your role" in page.inner_text("#forbidden")
