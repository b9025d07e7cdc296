"""A book whose behaviour is constant apart from a weekly rhythm scores flat from one day to the next:
the score's windows hold whole weeks, so the day of the week never leaks into it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import psycopg

from dashapp.scoring import engine
from dashapp.scoring.defaults import DEFAULT_DEFINITION
from dashapp.scoring.definition import parse_definition
from dashapp.scoring.inputs import definition_requests
from models.db import Database

TODAY = date(2026, 3, 31)
HISTORY_DAYS = 230
WEEKLY = np.array([1.0, 1.1, 1.1, 1.0, 0.8, 0.1, 0.0])  # Monday first


def _ts(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _seed_weekly_book(conn: psycopg.Connection, accounts: int = 24) -> list[int]:
    """Every account repeats the same week: usage by weekday, a ticket on its weekday, a survey each
    week with its fixed score, invoices paid on time."""
    rng = np.random.default_rng(11)
    start = TODAY - timedelta(days=HISTORY_DAYS)
    ids: list[int] = []
    metrics, tickets, surveys, invoices = [], [], [], []
    with conn.cursor() as cur:
        for i in range(accounts):
            segment = ("enterprise", "mid-market", "smb")[i % 3]
            cur.execute(
                "INSERT INTO accounts (external_id, name, segment, plan, mrr, contract_start, renewal_date) "
                "VALUES (%s, %s, %s, 'growth', 1000, %s, %s) RETURNING id",
                (f"wk-{i}", f"Weekly {i}", segment, start - timedelta(days=30), TODAY + timedelta(days=200)),
            )
            account = cur.fetchone()[0]
            ids.append(account)
            base = float(rng.uniform(5, 40))
            ticket_day, urgent = int(rng.integers(0, 5)), bool(i % 4 == 0)
            nps = int(rng.integers(3, 11))
            for d in range(HISTORY_DAYS + 1):
                day = start + timedelta(days=d)
                users = round(float(base * WEEKLY[day.weekday()]))
                if users:
                    metrics.append((account, day, users, users * 2, users, users * 15, "{}"))
                if day.weekday() == ticket_day:
                    opened = _ts(day, 9)
                    tickets.append(
                        (f"wk-t-{account}-{d}", account, "urgent" if urgent else "normal", "closed", opened,
                         opened + timedelta(hours=3), opened + timedelta(hours=20), 4)
                    )  # fmt: skip
                if day.weekday() == 2:
                    surveys.append((f"wk-s-{account}-{d}", account, "nps", nps, _ts(day, 15)))
                if day.weekday() == 0 and d % 28 < 7:
                    invoices.append((f"wk-i-{account}-{d}", account, "paid", _ts(day),
                                     _ts(day + timedelta(days=14)), _ts(day + timedelta(days=2)), 100))  # fmt: skip
        for table, columns, rows in (
            ("account_daily_metrics", "account_id, day, active_users, sessions, logins, events, feature_usage",
             metrics),
            ("support_tickets", "external_id, account_id, priority, status, opened_at, first_response_at, "
             "closed_at, csat", tickets),
            ("survey_responses", "external_id, account_id, kind, score, responded_at", surveys),
            ("invoices", "external_id, account_id, status, issued_at, due_at, paid_at, amount", invoices),
        ):  # fmt: skip
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    return ids


def test_windows_hold_whole_weeks() -> None:
    for request in definition_requests(parse_definition(DEFAULT_DEFINITION)):
        assert request.window_days % 7 == 0 and request.offset_days % 7 == 0, request


def test_a_weekly_rhythm_does_not_move_the_book_average(
    scoring_db: Database, raw: psycopg.Connection
) -> None:
    ids = _seed_weekly_book(raw)
    engine.recompute(scoring_db, as_of=TODAY, days=15)
    rows = raw.execute(
        "SELECT day, avg(computed_score), count(*) FROM health_snapshots WHERE account_id = ANY(%s) "
        "GROUP BY day ORDER BY day",
        (ids,),
    ).fetchall()
    assert len(rows) == 15 and all(count == len(ids) for _d, _a, count in rows)
    averages = np.array([avg for _d, avg, _c in rows], dtype=float)
    assert np.abs(np.diff(averages)).max() < 0.5, averages.round(2).tolist()
    per_account = raw.execute(
        "SELECT account_id, max(computed_score) - min(computed_score) FROM health_snapshots "
        "WHERE account_id = ANY(%s) GROUP BY account_id",
        (ids,),
    ).fetchall()
    assert max(spread for _a, spread in per_account) < 1.0
