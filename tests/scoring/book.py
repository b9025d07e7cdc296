"""A small synthetic book of business for scoring tests, written with COPY.

Accounts that churn show the usual precursors over their last ~75 days: falling usage, urgent tickets,
failed payments and detractor NPS. Healthy accounts are steady with the odd ticket.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import psycopg

SEGMENTS = ("enterprise", "mid-market", "smb")
FEATURES = ("reports", "dashboards", "alerts", "exports", "api", "sso", "workflows", "billing")


@dataclass
class Book:
    account_ids: list[int]
    external_ids: list[str]
    churned: dict[int, date] = field(default_factory=dict)
    today: date = field(default_factory=lambda: datetime.now(UTC).date())


def _ts(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def seed_book(
    conn: psycopg.Connection,
    *,
    accounts: int = 40,
    days: int = 120,
    today: date | None = None,
    seed: int = 7,
    churn_fraction: float = 0.25,
    prefix: str = "bk",
) -> Book:
    """Insert `accounts` accounts with `days` days of history ending on `today` (UTC). Commits nothing."""
    rng = np.random.default_rng(seed)
    today = today or datetime.now(UTC).date()
    start = today - timedelta(days=days - 1)
    book = Book([], [], today=today)
    tag = f"{prefix}{seed}x{rng.integers(1_000_000)}"
    with conn.cursor() as cur:
        rows = []
        for i in range(accounts):
            segment = SEGMENTS[i % 3]
            mrr = {"enterprise": 9000, "mid-market": 2500, "smb": 400}[segment] * float(rng.uniform(0.6, 1.4))
            churn_day = None
            if rng.random() < churn_fraction:
                churn_day = start + timedelta(days=int(rng.integers(80, days + 60)))
                if churn_day > today:
                    churn_day = None if rng.random() < 0.5 else churn_day
                if churn_day is not None and churn_day > today:
                    churn_day = None
            rows.append((f"{tag}-{i}", f"Account {tag} {i}", segment, round(mrr, 2), churn_day))
        for external_id, name, segment, mrr, churn_day in rows:
            cur.execute(
                """INSERT INTO accounts (external_id, name, segment, plan, mrr, contract_start, renewal_date,
                                         churned_at, lifecycle_stage)
                   VALUES (%s, %s, %s, 'growth', %s, %s, %s, %s, %s) RETURNING id""",
                (
                    external_id,
                    name,
                    segment,
                    mrr,
                    start - timedelta(days=200),
                    today + timedelta(days=int(rng.integers(30, 300))),
                    _ts(churn_day) if churn_day else None,
                    "churned" if churn_day else "mature",
                ),
            )
            account_id = cur.fetchone()[0]
            book.account_ids.append(account_id)
            book.external_ids.append(external_id)
            if churn_day:
                book.churned[account_id] = churn_day
        metrics, tickets, invoices, surveys = [], [], [], []
        for account_id, (_external_id, _name, segment, _mrr, churn_day) in zip(
            book.account_ids, rows, strict=True
        ):
            base = {"enterprise": 40, "mid-market": 15, "smb": 5}[segment] * float(rng.uniform(0.7, 1.3))
            end = churn_day - timedelta(days=1) if churn_day else today
            n_features = int(rng.integers(3, len(FEATURES) + 1))
            for d in range((end - start).days + 1):
                day = start + timedelta(days=d)
                factor = 1.0
                decline = None
                if churn_day:
                    to_churn = (churn_day - day).days
                    if to_churn < 75:
                        decline = to_churn / 75
                        factor = 0.15 + 0.85 * decline
                users = max(0, int(rng.poisson(base * factor)))
                if users == 0 and rng.random() < 0.5:
                    continue
                used = FEATURES[: max(1, int(n_features * (factor if decline is not None else 1.0)))]
                features = {f: int(rng.integers(1, 20)) for f in used if rng.random() < 0.7}
                metrics.append((account_id, day, users, users * 2, users, users * 15, json.dumps(features)))
            for d in range(0, (end - start).days + 1, 6):
                day = start + timedelta(days=d)
                near = churn_day is not None and (churn_day - day).days < 70
                if rng.random() < (0.6 if near else 0.25):
                    priority = (
                        "urgent"
                        if near and rng.random() < 0.6
                        else ("high" if rng.random() < 0.2 else "normal")
                    )
                    opened = _ts(day, 9)
                    closed = opened + timedelta(days=int(rng.integers(1, 6)))
                    tickets.append(
                        (
                            f"t-{tag}-{account_id}-{d}",
                            account_id,
                            priority,
                            "closed" if closed.date() <= today else "open",
                            opened,
                            opened + timedelta(hours=int(rng.integers(1, 30))),
                            closed if closed.date() <= today else None,
                            int(rng.integers(1, 3)) if near else int(rng.integers(3, 6)),
                        )
                    )
            for d in range(0, (end - start).days + 1, 30):
                day = start + timedelta(days=d)
                near = churn_day is not None and (churn_day - day).days < 80
                failed = near and rng.random() < 0.7
                invoices.append(
                    (
                        f"i-{tag}-{account_id}-{d}",
                        account_id,
                        "failed" if failed else "paid",
                        _ts(day),
                        _ts(day + timedelta(days=14)),
                        None if failed else _ts(day + timedelta(days=5)),
                    )
                )
            for d in range(10, (end - start).days + 1, 45):
                day = start + timedelta(days=d)
                near = churn_day is not None and (churn_day - day).days < 90
                score = int(rng.integers(0, 6)) if near else int(rng.integers(7, 11))
                surveys.append((f"s-{tag}-{account_id}-{d}", account_id, "nps", score, _ts(day, 15)))
        with cur.copy(
            "COPY account_daily_metrics (account_id, day, active_users, sessions, logins, events, feature_usage) "
            "FROM STDIN"
        ) as copy:
            for row in metrics:
                copy.write_row(row)
        with cur.copy(
            "COPY support_tickets (external_id, account_id, priority, status, opened_at, first_response_at, "
            "closed_at, csat) FROM STDIN"
        ) as copy:
            for row in tickets:
                copy.write_row(row)
        with cur.copy(
            "COPY invoices (external_id, account_id, status, issued_at, due_at, paid_at, amount) FROM STDIN"
        ) as copy:
            for row in invoices:
                copy.write_row((*row, 100))
        with cur.copy(
            "COPY survey_responses (external_id, account_id, kind, score, responded_at) FROM STDIN"
        ) as copy:
            for row in surveys:
                copy.write_row(row)
    return book
