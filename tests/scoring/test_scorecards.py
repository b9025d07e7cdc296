"""Scorecards in the database (default, versions, rules, import/export), backtests and previews."""

from __future__ import annotations

import copy
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.scoring import engine, service, store
from dashapp.scoring.defaults import DEFAULT_DEFINITION
from dashapp.scoring.definition import ScorecardError
from models.audit import AuditLog
from models.db import Database
from models.scoring import ScoreBacktest, Scorecard, ScorecardVersion
from tests.scoring.book import Book, seed_book


def test_default_scorecard_is_created_once(session: Session) -> None:
    first = store.ensure_default_scorecard(session)
    again = store.ensure_default_scorecard(session)
    assert first.id == again.id and first.is_default
    assert session.scalar(select(func.count()).select_from(Scorecard)) == 1
    assert session.get(ScorecardVersion, first.current_version_id).version == 1


def test_new_versions_only_when_the_definition_changes(session: Session) -> None:
    card = store.ensure_default_scorecard(session)
    same = store.save_version(session, card.id, DEFAULT_DEFINITION)
    assert same.version == 1
    edited = copy.deepcopy(DEFAULT_DEFINITION)
    edited["bands"][1]["min_score"] = 50
    v2 = store.save_version(session, card.id, edited, note="stricter yellow")
    assert v2.version == 2 and card.current_version_id == v2.id
    assert session.scalars(select(AuditLog.action).where(AuditLog.object_type == "scorecard")).all() == [
        "scorecard.create",
        "scorecard.version",
    ]


def test_export_import_round_trip_and_bad_files(session: Session) -> None:
    card = store.ensure_default_scorecard(session)
    exported = store.export_scorecard(session, card.id)
    assert store.import_scorecard(session, exported) == (card, "unchanged")
    exported["name"] = "Enterprise"
    exported["default"] = False
    exported["match"] = {"segment": ["enterprise"]}
    created, outcome = store.import_scorecard(session, exported)
    assert outcome == "created" and created.match == {"segment": ["enterprise"]} and not created.is_default
    broken = copy.deepcopy(exported)
    broken["definition"]["groups"][0]["measures"][0]["weight"] = -1
    with pytest.raises(ScorecardError, match=r"groups\[0\]\.measures\[0\]\.weight"):
        store.import_scorecard(session, broken)
    with pytest.raises(ScorecardError, match=r"match\.region: unknown field"):
        store.import_scorecard(session, {**exported, "match": {"region": ["emea"]}})
    with pytest.raises(ScorecardError, match="already exists"):
        store.create_scorecard(session, name="enterprise", definition=DEFAULT_DEFINITION)


def test_accounts_are_scored_by_the_scorecard_their_rules_pick(
    scoring_db: Database, session: Session, raw: psycopg.Connection, book: Book
) -> None:
    definition = copy.deepcopy(DEFAULT_DEFINITION)
    definition["groups"] = definition["groups"][:2]
    enterprise = store.create_scorecard(
        session, name="Enterprise", definition=definition, match={"segment": ["enterprise"]}, priority=10
    )
    session.flush()
    engine.recompute(scoring_db, as_of=book.today)
    rows = raw.execute(
        "SELECT a.segment, v.scorecard_id, s.measures FROM health_snapshots s "
        "JOIN accounts a ON a.id = s.account_id JOIN scorecard_versions v ON v.id = s.scorecard_version_id"
    ).fetchall()
    for segment, scorecard_id, measures in rows:
        if segment == "enterprise":
            assert scorecard_id == enterprise.id
            assert {m["group"] for m in measures} == {"Usage", "Engagement"}
        else:
            assert scorecard_id != enterprise.id


def test_backtest_is_stored_per_version_and_preview_saves_nothing(
    session: Session, raw: psycopg.Connection
) -> None:
    book = seed_book(raw, accounts=90, days=300, seed=11, churn_fraction=0.6)
    dates = [book.today - timedelta(days=d) for d in (200, 170, 140)]
    stored = service.run_backtest(session, horizon_days=90, as_of_dates=dates)
    assert isinstance(stored, ScoreBacktest) and len(stored.results) == 3
    first = stored.results[0]
    assert first["as_of"] == dates[0].isoformat() and set(first["bands"]) == {"red", "yellow", "green"}
    assert first["churned"] > 0 and first["auc"] is not None
    assert stored.mean_auc is not None and stored.mean_auc > 0.7  # the synthetic precursors are strong
    versions_before = session.scalar(select(func.count()).select_from(ScorecardVersion))
    edited = copy.deepcopy(DEFAULT_DEFINITION)
    edited["bands"] = [{"name": "red", "min_score": 0}, {"name": "green", "min_score": 50}]
    preview = service.preview_scorecard(session, edited, as_of=book.today, as_of_dates=dates)
    assert preview["proposed"]["accounts"] == preview["current"]["accounts"] > 0
    assert set(preview["proposed"]["bands"]) == {"red", "green"}
    assert sum(h["accounts"] for h in preview["proposed"]["histogram"]) == preview["proposed"]["accounts"]
    assert preview["backtest"]["current"]["mean_auc"] == stored.mean_auc
    assert session.scalar(select(func.count()).select_from(ScorecardVersion)) == versions_before
    # The saved definition, unedited (what the page previews when it opens), is scored once: same figures.
    same = service.preview_scorecard(
        session, copy.deepcopy(DEFAULT_DEFINITION), as_of=book.today, as_of_dates=dates
    )
    assert same["proposed"] == same["current"] == preview["current"]
    assert same["backtest"]["proposed"] == same["backtest"]["current"] == preview["backtest"]["current"]
    with pytest.raises(ScorecardError):
        service.preview_scorecard(session, {"groups": []})
