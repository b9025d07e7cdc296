"""The Segments and Revenue impact pages: layouts and callbacks called as functions by logged-in users."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from dash.exceptions import PreventUpdate
from sqlalchemy import select
from sqlalchemy.orm import Session

from components.filter_bar import CONTROL_KEYS, control_values, fid
from dashapp.analytics.segment_store import store
from dashapp.analytics.segmentation import segment
from dashapp.filters import parse
from models.billing import Invoice
from models.job import JobRun
from tests.analytics.test_segmentation import book as feature_book
from tests.explore.test_page_functions import text_of
from tests.support.factories import make_account
from tests.support.health_rows import make_snapshot


def _controls(page_path: str, extra: dict[str, str] | None = None, **query: str) -> tuple[list, list]:
    values = control_values(parse(query)[0])
    ids = [fid(k, page_path) for k in CONTROL_KEYS]
    out = [values[k] for k in CONTROL_KEYS]
    for key, value in (extra or {}).items():
        ids.append(fid(key, page_path))
        out.append(value)
    return out, ids


def _segmented(session: Session) -> dict[int, int]:
    frame = feature_book()
    ids = {}
    for old in frame.index:
        ids[old] = make_account(
            session,
            external_id=f"pg-seg-{old}",
            name=f"Seg {old}",
            segment="smb" if old % 2 else "enterprise",
        ).id
    frame.index = [ids[i] for i in frame.index]
    store(session, segment(frame, k=3, reruns=3), date.today())
    return ids


def test_segments_page_says_what_to_do_before_the_first_run(session, as_user, page) -> None:
    with as_user("viewer"):
        shown = text_of(page("segments").layout())
        assert "No segments yet" in shown and "healthdash segments run" in shown
        assert "segments-run-button" not in shown  # viewers cannot start jobs


def test_segments_page_shows_names_sizes_stability_and_links(session, as_user, page) -> None:
    _segmented(session)
    segments = page("segments")
    with as_user("manager"):
        shown = text_of(segments.layout())
        assert "Heavy users, many tickets" in shown and "Light usage, late payments" in shown
        assert "60 (27%)" in shown and "stable: reruns find the same segments" in shown
        assert "/accounts?cluster=2" in shown and "segments-run-button" in shown
        assert "Active users per day" in shown  # defining features
        # the filter bar narrows the "matching" counts and is kept in each segment's link
        values, ids = _controls("/segments", segment=["smb"])
        content, state, errors = segments.update(values, "light", ids)
        text = text_of(content)
        assert "/accounts?segment=smb&cluster=2" in text and state["q"] == "segment=smb" and errors is None


def test_the_accounts_page_filters_by_segment(session, as_user, page) -> None:
    ids = _segmented(session)
    accounts = page("accounts")
    with as_user("viewer"):
        shown = text_of(accounts.layout(cluster="3"))
        assert '"value": ["3"]' in shown  # the filter bar shows the segment chosen
        values, bar_ids = _controls("/accounts", cluster=["3"])
        response, state, errors, _count = accounts.rows_response(
            {"startRow": 0, "endRow": 500}, values, bar_ids, None
        )
        assert {r["id"] for r in response["rowData"]} == {ids[i] for i in range(2001, 2041)}
        assert response["rowCount"] == 40 and state["q"] == "cluster=3" and errors is None
        bad = text_of(accounts.layout(cluster="nine"))
        assert "is not a behaviour segment number (1 to 20)" in bad


def test_the_rerun_button_queues_a_job_for_managers_only(session, as_user, page) -> None:
    segments = page("segments")
    with as_user("viewer"), pytest.raises(PreventUpdate):
        segments.rerun(1)
    with as_user("manager"):
        message = segments.rerun(1)
    assert "Queued" in message
    run = session.scalar(select(JobRun).where(JobRun.kind == "segments.run"))
    assert run is not None and run.queue == "analytics"


AS_OF = date.today() - timedelta(days=100)


def _scored(
    session: Session, name: str, score: float, start: int, end: int | None, churn_days: int | None = None
):
    churned = (
        None
        if churn_days is None
        else datetime.combine(AS_OF + timedelta(days=churn_days), datetime.min.time(), tzinfo=UTC)
    )
    account = make_account(session, name=name, churned_at=churned)
    make_snapshot(session, account, AS_OF, score)
    for n, (day, amount) in enumerate(
        [(AS_OF - timedelta(days=5), start), *([(AS_OF + timedelta(days=85), end)] if end else [])]
    ):
        session.add(
            Invoice(
                external_id=f"pg-ri-{account.id}-{n}",
                account_id=account.id,
                amount=Decimal(amount),
                status="paid",
                issued_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
            )
        )
    session.flush()


def test_revenue_impact_page_empty_then_filled(session, as_user, page) -> None:
    revenue = page("revenue_impact")
    with as_user("viewer"):
        shown = text_of(revenue.layout())
        assert "Nothing to measure yet" in shown and "--backfill" in shown
    _scored(session, "Gone", 10, 1000, None, churn_days=20)
    _scored(session, "Shrinks", 20, 1000, 500)
    _scored(session, "Grows", 90, 2000, 3000)
    _scored(session, "Flat", 95, 1000, 1000)
    with as_user("viewer"):
        shown = text_of(revenue.layout())
        assert f"4 accounts scored on {AS_OF}" in shown and "$60,000 ARR" in shown
        assert "20.0% (" in shown  # churned share of ARR: 12,000 of 60,000
        assert "revenue-bands" in shown and "revenue-deciles" in shown and "Wilson" in shown
        assert "Red" in shown and "D1" in shown
        bad = text_of(revenue.layout(as_of="2026-13-45"))
        assert "as_of: &#x27;2026-13-45&#x27; is not a date" in bad or "is not a date (YYYY-MM-DD)" in bad
        future = text_of(revenue.layout(as_of=(date.today() + timedelta(days=3)).isoformat()))
        assert "is after today" in future
        # the callback: an as-of date whose horizon has not passed is flagged
        recent = (date.today() - timedelta(days=10)).isoformat()
        values, ids = _controls("/revenue-impact", {"as_of": AS_OF.isoformat()})
        content, state, errors = revenue.update(values, "dark", ids)
        assert f"as_of={AS_OF.isoformat()}" in state["q"] and errors is None
        assert "4 accounts" in text_of(content)
        values, ids = _controls("/revenue-impact", {"as_of": recent})
        content, _, _ = revenue.update(values, "dark", ids)
        assert "No account matching the filters had a health snapshot" in text_of(content)
        values, ids = _controls("/revenue-impact", {"as_of": "soon"})
        _, _, errors = revenue.update(values, "dark", ids)
        assert "is not a date" in text_of(errors)


@pytest.mark.parametrize("path", ["/segments", "/revenue-impact"])
def test_the_pages_need_a_login(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
