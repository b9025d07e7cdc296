"""Recompute against the real database: snapshots, history, scopes, hierarchies, current health."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from dashapp.queries.health import current_breakdown, snapshot_history
from dashapp.scoring import engine
from dashapp.scoring.changes import changed_accounts
from models.db import Database
from tests.scoring.book import Book


def _active(raw: psycopg.Connection, book: Book) -> set[int]:
    rows = raw.execute(
        "SELECT id FROM accounts WHERE id = ANY(%s) AND churned_at IS NULL", (book.account_ids,)
    ).fetchall()
    return {r[0] for r in rows}


def test_every_active_account_gets_a_snapshot_whose_contributions_add_up(
    scoring_db: Database, raw: psycopg.Connection, book: Book
) -> None:
    result = engine.recompute(scoring_db, as_of=book.today)
    rows = raw.execute(
        "SELECT account_id, score, computed_score, band, measures, scorecard_version_id FROM health_snapshots "
        "WHERE day = %s",
        (book.today,),
    ).fetchall()
    assert {r[0] for r in rows} == _active(raw, book)
    assert result.snapshots == len(rows)
    for _account, score, computed, band, measures, version in rows:
        assert score == computed
        tenths = sum(round((m["contribution"] or 0) * 10) for m in measures)
        assert tenths == round(score * 10)
        assert sum(m["effective_weight"] for m in measures) == pytest.approx(1.0, abs=1e-3)
        assert {m["group"] for m in measures} == {"Usage", "Engagement", "Support", "Billing", "Sentiment"}
        assert band in ("red", "yellow", "green")
        assert version is not None
    current = raw.execute("SELECT count(*) FROM account_health WHERE day = %s", (book.today,)).fetchone()[0]
    assert current == len(rows)


def test_rerunning_a_day_replaces_it(scoring_db: Database, raw: psycopg.Connection, book: Book) -> None:
    query = "SELECT account_id, day, computed_score FROM health_snapshots ORDER BY account_id"
    engine.recompute(scoring_db, as_of=book.today)
    first = raw.execute(query).fetchall()
    engine.recompute(scoring_db, as_of=book.today)
    assert raw.execute(query).fetchall() == first


def test_backfill_writes_history_with_deltas_and_explanations(
    scoring_db: Database, raw: psycopg.Connection, book: Book
) -> None:
    result = engine.recompute(scoring_db, as_of=book.today, days=35)
    assert len(result.days) == 35
    per_day = raw.execute("SELECT day, count(*) FROM health_snapshots GROUP BY day ORDER BY day").fetchall()
    assert len(per_day) == 35
    latest = raw.execute(
        "SELECT computed_score, delta_7, delta_30, delta_90, explanation, explanation_text, account_id "
        "FROM health_snapshots WHERE day = %s",
        (book.today,),
    ).fetchall()
    for score, d7, d30, d90, explanation, text, account_id in latest:
        assert d7 is not None and d30 is not None and d90 is None  # 90 days ago was not scored
        week_ago = raw.execute(
            "SELECT computed_score FROM health_snapshots WHERE account_id = %s AND day = %s",
            (account_id, book.today - timedelta(days=7)),
        ).fetchone()
        assert d7 == pytest.approx(score - week_ago[0], abs=0.05)
        assert explanation["month_day"] == (book.today - timedelta(days=30)).isoformat()
        assert explanation["previous_day"] == (book.today - timedelta(days=1)).isoformat()
        assert text.endswith(".") and "since last month" in text
        moved = round(explanation["month_delta"])
        if abs(explanation["month_delta"]) >= 0.5 and moved:
            assert text.startswith(f"{'Up' if moved > 0 else 'Down'} {abs(moved)} since last month")


def test_missing_data_is_flagged_and_its_weight_redistributed(
    scoring_db: Database, raw: psycopg.Connection, book: Book
) -> None:
    account = book.account_ids[0]
    raw.execute("DELETE FROM survey_responses WHERE account_id = %s", (account,))
    engine.recompute(scoring_db, as_of=book.today)
    measures = raw.execute(
        "SELECT measures FROM health_snapshots WHERE account_id = %s AND day = %s", (account, book.today)
    ).fetchone()[0]
    by_key = {m["key"]: m for m in measures}
    assert by_key["nps"]["missing"] is True and by_key["nps"]["effective_weight"] == 0
    assert by_key["nps"]["raw"] is None and by_key["nps"]["contribution"] == 0
    assert by_key["failed_payments"]["effective_weight"] > by_key["failed_payments"]["weight"]


def test_scoped_recompute_writes_only_that_account(
    scoring_db: Database, raw: psycopg.Connection, book: Book
) -> None:
    target = sorted(_active(raw, book))[0]
    result = engine.recompute(scoring_db, as_of=book.today, scope=engine.Scope(account_ids=(target,)))
    assert result.snapshots == 1
    assert raw.execute("SELECT account_id FROM health_snapshots").fetchall() == [(target,)]
    # Percentile measures still rank against the segment's peers: the same score as in a full run.
    alone = raw.execute("SELECT computed_score FROM health_snapshots").fetchone()[0]
    engine.recompute(scoring_db, as_of=book.today)
    full = raw.execute(
        "SELECT computed_score FROM health_snapshots WHERE account_id = %s AND day = %s", (target, book.today)
    ).fetchone()[0]
    assert alone == full


def test_segment_recompute(scoring_db: Database, raw: psycopg.Connection, book: Book) -> None:
    engine.recompute(scoring_db, as_of=book.today, scope=engine.Scope(segment="smb"))
    segments = raw.execute(
        "SELECT DISTINCT a.segment FROM health_snapshots s JOIN accounts a ON a.id = s.account_id"
    ).fetchall()
    assert segments == [("smb",)]


def test_incremental_finds_accounts_whose_data_changed(
    scoring_db: Database, raw: psycopg.Connection, book: Book
) -> None:
    engine.recompute(scoring_db, as_of=book.today)
    active = sorted(_active(raw, book))
    assert changed_accounts(raw, book.today, 60).tolist() == []
    raw.execute(
        "UPDATE support_tickets SET updated_at = now() + interval '1 minute' WHERE account_id = %s",
        (active[1],),
    )
    raw.execute(
        "UPDATE account_daily_metrics SET updated_at = now() + interval '1 minute' "
        "WHERE account_id = %s AND day = %s",
        (active[2], book.today - timedelta(days=3)),
    )
    assert changed_accounts(raw, book.today, 60).tolist() == [active[1], active[2]]
    # An account not yet scored for the day is always included.
    assert len(changed_accounts(raw, book.today + timedelta(days=1), 60)) == len(active)
    result = engine.recompute(scoring_db, as_of=book.today, scope=engine.Scope(incremental=True))
    assert result.snapshots == 2


def test_parent_score_rolls_up_from_its_children(
    scoring_db: Database, raw: psycopg.Connection, book: Book
) -> None:
    parent, *children = sorted(_active(raw, book))[:4]
    raw.execute("UPDATE accounts SET parent_id = %s WHERE id = ANY(%s)", (parent, children))
    engine.recompute(scoring_db, as_of=book.today)
    rows = dict(
        raw.execute(
            "SELECT account_id, computed_score FROM health_snapshots WHERE day = %s AND account_id = ANY(%s)",
            (book.today, children),
        ).fetchall()
    )
    arr = dict(raw.execute("SELECT id, arr::float8 FROM accounts WHERE id = ANY(%s)", (children,)).fetchall())
    expected = sum(rows[c] * arr[c] for c in children) / sum(arr[c] for c in children)
    score, measures, explanation = raw.execute(
        "SELECT computed_score, measures, explanation FROM health_snapshots WHERE account_id = %s AND day = %s",
        (parent, book.today),
    ).fetchone()
    assert score == pytest.approx(expected, abs=0.1)  # children's scores are rounded to 0.1 themselves
    assert sum(round(m["contribution"] * 10) for m in measures) == round(score * 10)
    assert explanation["rollup"] == {"rule": "arr_weighted", "children": 3}
    # Scoring one child rescored its parent too.
    raw.execute("DELETE FROM health_snapshots")
    engine.recompute(scoring_db, as_of=book.today, scope=engine.Scope(account_ids=(children[0],)))
    written = {r[0] for r in raw.execute("SELECT account_id FROM health_snapshots").fetchall()}
    assert written == {parent, *children}


def test_churned_accounts_are_not_scored_after_they_churn(
    scoring_db: Database, raw: psycopg.Connection, book: Book
) -> None:
    assert book.churned, "the seeded book has churned accounts"
    account, churned_on = next(iter(book.churned.items()))
    engine.recompute(scoring_db, as_of=churned_on)
    assert raw.execute(
        "SELECT count(*) FROM health_snapshots WHERE account_id = %s AND day = %s", (account, churned_on)
    ).fetchone() == (0,)
    day_before = churned_on - timedelta(days=1)
    engine.recompute(scoring_db, as_of=day_before)
    assert raw.execute(
        "SELECT count(*) FROM health_snapshots WHERE account_id = %s AND day = %s", (account, day_before)
    ).fetchone() == (1,)


def test_breakdown_and_history_queries(
    scoring_db: Database, raw: psycopg.Connection, book: Book, session
) -> None:
    engine.recompute(scoring_db, as_of=book.today, days=3)
    account = sorted(_active(raw, book))[0]
    data = current_breakdown(session, account)
    assert data is not None and data["day"] == book.today.isoformat()
    assert [g["group"] for g in data["groups"]] == ["Usage", "Engagement", "Support", "Billing", "Sentiment"]
    assert data["scorecard"]["name"] == "Default" and data["scorecard"]["version"] == 1
    history = snapshot_history(session, account, days=30)
    assert [h["day"] for h in history] == [(book.today - timedelta(days=d)).isoformat() for d in (2, 1, 0)]
    assert current_breakdown(session, 10**12) is None


def test_a_deleted_account_is_not_scored(scoring_db: Database, raw: psycopg.Connection, book: Book) -> None:
    gone = sorted(_active(raw, book))[0]
    raw.execute("UPDATE accounts SET deleted_at = now() WHERE id = %s", (gone,))
    engine.recompute(scoring_db, as_of=book.today)
    scored = {
        r[0] for r in raw.execute("SELECT account_id FROM health_snapshots WHERE day = %s", (book.today,))
    }
    assert scored == _active(raw, book) - {gone}
