"""A scratch database with a large book for the API benchmark: accounts, current health and a few days of
health snapshots, written with COPY (the fast path; no ORM)."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import psycopg

from dashapp.services import libpq_url

SEGMENTS = ("enterprise", "mid-market", "smb")
PLANS = ("starter", "growth", "scale")
REGIONS = ("EMEA", "NA", "APAC", "LATAM")
MEASURES = (("usage", "Product usage", 0.5), ("support", "Support", 0.3), ("billing", "Billing", 0.2))


def external_id(i: int) -> str:
    return f"acct-{i:06d}"


def _band(score: float) -> str:
    return "red" if score < 40 else "yellow" if score < 70 else "green"


def _measures(score: float) -> str:
    return json.dumps(
        [
            {
                "key": key,
                "label": label,
                "group": key,
                "raw": round(score / 10, 2),
                "normalised": round(score, 2),
                "weight": weight,
                "effective_weight": weight,
                "contribution": round(score * weight, 4),
                "missing": False,
            }
            for key, label, weight in MEASURES
        ]
    )


def load_book(url: str, accounts: int, days: int = 3, seed: int = 7) -> dict[str, float]:
    """COPY `accounts` accounts, their current health and `days` daily snapshots each."""
    rng = random.Random(seed)
    today = date.today()
    with psycopg.connect(libpq_url(url)) as conn:
        with conn.cursor().copy(
            "COPY accounts (external_id, name, domain, segment, plan, region, industry, lifecycle_stage, mrr, "
            "currency, contract_start, renewal_date) FROM STDIN"
        ) as copy:
            for i in range(accounts):
                copy.write_row(
                    (
                        external_id(i),
                        f"Account {i}",
                        f"account{i}.example.com",
                        SEGMENTS[i % 3],
                        PLANS[i % 3],
                        REGIONS[i % 4],
                        "Software",
                        "mature",
                        f"{rng.randint(100, 20000)}.00",
                        "USD",
                        today - timedelta(days=rng.randint(30, 900)),
                        today + timedelta(days=rng.randint(1, 365)),
                    )
                )
        ids = [row[0] for row in conn.execute("SELECT id FROM accounts ORDER BY id")]
        scores = {pk: [rng.uniform(5, 95)] for pk in ids}
        for pk in ids:
            for _ in range(days - 1):
                scores[pk].append(min(100.0, max(0.0, scores[pk][-1] + rng.uniform(-6, 6))))
        with conn.cursor().copy(
            "COPY health_snapshots (account_id, day, score, band, computed_score, computed_band, overridden, "
            "measures, explanation, explanation_text, delta_7) FROM STDIN"
        ) as copy:
            for pk in ids:
                for d, score in enumerate(scores[pk]):
                    day = today - timedelta(days=days - 1 - d)
                    band = _band(score)
                    change = score - scores[pk][0] if d else None
                    why = (
                        "Product usage rose this week." if change and change > 0 else "Support tickets rose."
                    )
                    copy.write_row(
                        (pk, day, score, band, score, band, False, _measures(score), "{}", why, change)
                    )
        with conn.cursor().copy(
            "COPY account_health (account_id, day, score, band, computed_score, computed_band, overridden, "
            "delta_7, explanation_text) FROM STDIN"
        ) as copy:
            for pk in ids:
                score = scores[pk][-1]
                band = _band(score)
                copy.write_row((pk, today, score, band, score, band, False, score - scores[pk][0], "Moved."))
        conn.commit()
        conn.execute("ANALYZE")
    return {"accounts": float(accounts), "snapshots": float(accounts * days)}
