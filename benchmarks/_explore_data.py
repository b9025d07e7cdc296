"""A synthetic book written straight into a database with COPY: accounts, current health, weekly snapshots,
and (optionally) monthly invoices. For benchmarks and local exploration, not for tests' assertions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import numpy as np
import psycopg

from dashapp.services import libpq_url

SEGMENTS = ("enterprise", "mid-market", "smb")
PLANS = ("starter", "growth", "pro", "enterprise")
REGIONS = ("NA", "EMEA", "APAC", "LATAM")
INDUSTRIES = ("Software", "Finance", "Healthcare", "Retail", "Media", "Manufacturing", "Education")
STAGES = ("onboarding", "adopting", "mature", "renewing")
WHY = (
    "Logins fell 40% over 30 days; two urgent tickets opened.",
    "Usage grew after the new team onboarded; NPS rose to 9.",
    "A failed payment and fewer active users pulled the score down.",
    "More features adopted and support tickets resolved quickly.",
)


def _band(score: np.ndarray) -> np.ndarray:
    return np.where(score < 40, "red", np.where(score < 70, "yellow", "green"))


def generate(
    database_url: str,
    accounts: int = 100_000,
    *,
    weeks: int = 13,
    invoices: bool = False,
    seed: int = 7,
    today: date | None = None,
) -> dict[str, int]:
    """Fill an empty, migrated database. Returns row counts."""
    rng = np.random.default_rng(seed)
    today = today or date.today()
    n = accounts
    ids = np.arange(1, n + 1)
    segment = rng.choice(SEGMENTS, n, p=[0.1, 0.3, 0.6])
    mrr = np.round(
        np.where(segment == "enterprise", 20000, np.where(segment == "mid-market", 3000, 400))
        * rng.lognormal(0, 0.5, n),
        2,
    )
    start = np.array([today - timedelta(days=int(d)) for d in rng.integers(30, 1100, n)])
    renewal = np.array([today + timedelta(days=int(d)) for d in rng.integers(-30, 365, n)])
    churned = rng.random(n) < 0.08
    base = rng.normal(62, 18, n).clip(1, 99)
    trend = rng.normal(0, 1.2, n)  # points per week
    counts = {"accounts": n}
    with psycopg.connect(libpq_url(database_url)) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY accounts (id, external_id, name, domain, segment, plan, industry, region, lifecycle_stage, mrr, "
            "currency, contract_start, renewal_date, churned_at, custom_attributes) FROM STDIN"
        ) as copy:
            plans = rng.choice(PLANS, n)
            regions = rng.choice(REGIONS, n)
            industries = rng.choice(INDUSTRIES, n)
            stages = rng.choice(STAGES, n)
            tiers = rng.choice(["gold", "silver", "bronze"], n)
            seats = rng.integers(1, 500, n)
            for i in range(n):
                churn_at = (
                    datetime.combine(
                        start[i] + timedelta(days=int((today - start[i]).days * 0.7)),
                        datetime.min.time(),
                        UTC,
                    )
                    if churned[i]
                    else None
                )
                copy.write_row(
                    (
                        int(ids[i]),
                        f"acct-{ids[i]:06d}",
                        f"Company {ids[i]:06d}",
                        f"company{ids[i]}.example.com",
                        segment[i],
                        plans[i],
                        industries[i],
                        regions[i],
                        "churned" if churned[i] else stages[i],
                        float(mrr[i]),
                        "USD",
                        start[i],
                        renewal[i],
                        churn_at,
                        json.dumps({"tier": str(tiers[i]), "seats": int(seats[i])}),
                    )
                )
        cur.execute("SELECT setval('accounts_id_seq', %s)", (n,))
        days = [today - timedelta(days=7 * w) for w in range(weeks + 1)]
        rows = 0
        with cur.copy(
            "COPY health_snapshots (account_id, day, score, band, computed_score, computed_band, overridden, "
            "measures, explanation, explanation_text, delta_7, delta_30, delta_90) FROM STDIN"
        ) as copy:
            for w, day in enumerate(days):
                score = (base - trend * w + rng.normal(0, 2, n)).clip(0, 100).round(1)
                bands = _band(score)
                for i in range(n):
                    if day < start[i]:
                        continue
                    copy.write_row(
                        (
                            int(ids[i]),
                            day,
                            float(score[i]),
                            bands[i],
                            float(score[i]),
                            bands[i],
                            False,
                            "[]",
                            "{}",
                            "",
                            None,
                            None,
                            None,
                        )
                    )
                    rows += 1
        counts["snapshots"] = rows
        now = base.clip(0, 100).round(1)
        bands = _band(now)
        with cur.copy(
            "COPY account_health (account_id, day, score, band, computed_score, computed_band, delta_7, delta_30, "
            "delta_90, explanation_text) FROM STDIN"
        ) as copy:
            why = rng.integers(0, len(WHY), n)
            for i in range(n):
                copy.write_row(
                    (
                        int(ids[i]),
                        today,
                        float(now[i]),
                        bands[i],
                        float(now[i]),
                        bands[i],
                        round(float(trend[i]), 1),
                        round(float(trend[i] * 4.3), 1),
                        round(float(trend[i] * 13), 1),
                        WHY[why[i]],
                    )
                )
        counts["account_health"] = n
        if invoices:
            counts["invoices"] = _invoices(cur, rng, ids, mrr, start, churned, today)
        conn.commit()
    # As autovacuum would have by then: fresh statistics and a visibility map for index-only scans.
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return counts


def _invoices(cur, rng, ids, mrr, start, churned, today: date) -> int:
    rows = 0
    with cur.copy(
        "COPY invoices (external_id, account_id, amount, currency, status, issued_at, paid_at) FROM STDIN"
    ) as copy:
        for i in range(len(ids)):
            month = date(start[i].year, start[i].month, 1)
            amount = float(mrr[i])
            months = 0
            while month <= today:
                if churned[i] and months > 0 and rng.random() < 0.04:
                    break
                issued = datetime(month.year, month.month, 1, tzinfo=UTC)
                copy.write_row(
                    (f"inv-{ids[i]}-{months}", int(ids[i]), round(amount, 2), "USD", "paid", issued, issued)
                )
                rows += 1
                amount *= 1 + rng.normal(0.005, 0.03)
                months += 1
                month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return rows
