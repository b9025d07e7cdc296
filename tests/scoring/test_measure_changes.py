"""The account page's per-measure table behind "why it moved", read from real recomputed snapshots."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from dash import html

from components.measure_changes import make_measure_changes_table
from dashapp.queries.account import measure_changes
from dashapp.scoring import engine
from models.db import Database
from models.health import HealthSnapshot
from tests.scoring.book import Book


def _text(component) -> str:
    if isinstance(component, str):
        return component
    children = getattr(component, "children", None)
    if children is None:
        return ""
    if isinstance(children, list | tuple):
        return " ".join(_text(c) for c in children)
    return _text(children)


def test_table_pairs_each_measure_with_last_months_value_and_points(
    scoring_db: Database, raw: psycopg.Connection, book: Book, session
) -> None:
    engine.recompute(scoring_db, as_of=book.today, days=31)
    month_ago = book.today - timedelta(days=30)
    checked = 0
    for account in book.account_ids:
        latest = session.get(HealthSnapshot, (account, book.today))
        if latest is None:
            continue
        earlier = session.get(HealthSnapshot, (account, month_ago))
        data = measure_changes(session, latest)
        assert data["since"] == month_ago
        then = {m["key"]: m for m in earlier.measures}
        for row, now in zip(data["rows"], latest.measures, strict=True):
            assert row["key"] == now["key"]
            assert row["after"] == now["raw"] and row["before"] == then[row["key"]]["raw"]
            assert row["contribution_after"] == now["contribution"]
            assert row["contribution_before"] == then[row["key"]]["contribution"]
        cited = {m["key"]: m["delta"] for m in latest.explanation["month"]}
        assert {r["key"]: r["effect"] for r in data["rows"] if r["effect"] is not None} == cited
        change = sum(r["contribution_after"] for r in data["rows"]) - sum(
            r["contribution_before"] for r in data["rows"]
        )
        assert change == pytest.approx(latest.computed_score - earlier.computed_score, abs=0.05)
        table = make_measure_changes_table(data["rows"], data["since"])
        text = _text(table)
        assert f"{month_ago:%d %b}" in text and data["rows"][0]["label"] in text
        checked += 1
    assert checked > 10


def test_first_score_and_no_snapshot_say_so() -> None:
    first = make_measure_changes_table([{"key": "k", "label": "K"}], None)
    assert "nothing to compare" in _text(first)
    assert isinstance(make_measure_changes_table([], None), html.P)
