"""NPS surveys (a wave every quarter per account) and CSAT responses to closed tickets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashapp.demo import vocab
from dashapp.demo.ragged import sequence
from dashapp.demo.usage import Grid

WAVE_DAYS = 91


def nps(
    rng: np.random.Generator, story: pd.DataFrame, n_contacts: np.ndarray, grid: Grid, day0: int
) -> pd.DataFrame:
    """Scores fall with the account's underlying risk and sharply in a decline, with plenty of noise."""
    b, days = grid.live.shape
    offset = rng.integers(0, WAVE_DAYS, b)
    waves = np.arange(0, days + WAVE_DAYS, WAVE_DAYS)
    wave_day = offset[:, None] + waves[None, :]
    ok = (wave_day < days) & (wave_day >= grid.first[:, None]) & (wave_day <= grid.last[:, None])
    asked = np.minimum(n_contacts, 3)[:, None] * ok
    answers = rng.binomial(asked, 0.45)
    cell_b, cell_w = np.nonzero(answers)
    reps = answers[cell_b, cell_w]
    account = np.repeat(cell_b, reps)
    day = np.repeat(wave_day[cell_b, cell_w], reps) + rng.integers(0, 10, len(account))
    day = np.minimum(day, grid.last[account])
    progress = grid.progress[account, day]
    n = len(account)
    score = 8.3 - 0.9 * story["risk"].to_numpy()[account] - 5.5 * progress + rng.normal(0.0, 1.7, n)
    score = np.clip(np.round(score), 0, 10).astype(np.int64)
    band = np.select([score <= 6, score <= 8], [0, 1], default=2)
    comment = np.where(rng.random(n) < 0.35, band * 3 + rng.integers(0, 3, n), -1)
    order = np.lexsort((day, account))
    frame = pd.DataFrame(
        {
            "account": account,
            "contact": (rng.random(n) * np.minimum(n_contacts[account], 3)).astype(np.int64),
            "kind": np.zeros(n, dtype=np.int64),
            "score": score,
            "comment": comment,
            "responded_at": (day0 + day) * 86400 + rng.integers(8 * 3600, 20 * 3600, n),
        }
    ).iloc[order]
    frame["seq"] = sequence(frame["account"].to_numpy())
    return frame.reset_index(drop=True)


def csat(rng: np.random.Generator, tickets: pd.DataFrame, now: int) -> pd.DataFrame:
    """The CSAT survey answers behind the tickets' ratings (same score, shortly after closing)."""
    rated = tickets[tickets["csat"] >= 0]
    n = len(rated)
    return pd.DataFrame(
        {
            "account": rated["account"].to_numpy(),
            "contact": rated["contact"].to_numpy(),
            "kind": np.ones(n, dtype=np.int64),
            "score": rated["csat"].to_numpy(),
            "comment": np.full(n, -1),
            "responded_at": np.minimum(
                rated["closed_at"].to_numpy() + rng.integers(600, 2 * 86400, n), now - 60
            ),
            "seq": rated["seq"].to_numpy(),
        }
    )


COMMENTS = tuple(c for group in vocab.NPS_COMMENTS for c in group)
