"""Support tickets and their satisfaction ratings for a block of accounts.

Tickets arrive as Poisson counts on the accounts x days grid: more for bigger accounts, fewer at weekends,
more while onboarding, and up to four and a half times as many, and more urgent, in a decline. Response
and resolution times are log-normal by priority and slow down in a decline; CSAT follows suit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashapp.demo import vocab
from dashapp.demo.ragged import sequence
from dashapp.demo.usage import Grid

HOUR = 3600
PRIORITY_HEALTHY = np.array([0.30, 0.52, 0.14, 0.04])
PRIORITY_DECLINE = np.array([0.10, 0.40, 0.30, 0.20])
FIRST_RESPONSE_HOURS = np.array([10.0, 5.0, 2.0, 0.7])
RESOLUTION_HOURS = np.array([96.0, 48.0, 24.0, 8.0])
STATUSES = ("new", "open", "pending", "solved", "closed")


def tickets(
    rng: np.random.Generator,
    story: pd.DataFrame,
    segment: np.ndarray,
    n_contacts: np.ndarray,
    grid: Grid,
    day0: int,
    now: int,
) -> pd.DataFrame:
    """One row per ticket: block-local `account`, `seq` within the account, times in epoch seconds."""
    days = grid.live.shape[1]
    per_day = np.asarray(vocab.TICKETS_PER_MONTH)[segment] / 30.0
    size = (story["seats"].to_numpy() / np.asarray([400.0, 60.0, 8.0])[segment]) ** 0.3
    weekday = np.where(grid.weekday >= 5, 0.2, 1.0)[None, :]
    age = np.arange(days)[None, :] - grid.first[:, None]
    onboarding = np.where((age < 60) & grid.new[:, None], 1.6, 1.0)
    rate = (per_day * size)[:, None] * weekday * onboarding * (1.0 + 3.5 * grid.progress) * grid.live
    counts = rng.poisson(rate)
    cell_b, cell_t = np.nonzero(counts)
    reps = counts[cell_b, cell_t]
    account = np.repeat(cell_b, reps)
    day = np.repeat(cell_t, reps)
    progress = grid.progress[account, day]
    n = len(account)

    p = PRIORITY_HEALTHY[None, :] * (1 - progress[:, None]) + PRIORITY_DECLINE[None, :] * progress[:, None]
    priority = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1).clip(0, 3)
    opened = (day0 + day) * 86400 + rng.integers(7 * HOUR, 19 * HOUR, n)
    slow = 1.0 + 1.5 * progress
    response = (FIRST_RESPONSE_HOURS[priority] * slow * rng.lognormal(0.0, 0.7, n) * HOUR).astype(
        np.int64
    ) + 60
    resolve = (RESOLUTION_HOURS[priority] * slow * rng.lognormal(0.0, 0.9, n) * HOUR).astype(np.int64)
    first_response = opened + response
    closed = first_response + resolve
    has_response = first_response < now
    is_closed = closed < now
    status = np.select(
        [is_closed & (closed < now - 3 * 86400), is_closed, ~has_response, rng.random(n) < 0.6],
        [4, 3, 0, 1],
        default=2,
    )
    rated = is_closed & (rng.random(n) < 0.45)
    csat = np.clip(
        np.round(4.4 - 2.2 * progress - 0.15 * np.log1p(resolve / 86400) + rng.normal(0, 0.8, n)), 1, 5
    )
    return pd.DataFrame(
        {
            "account": account,
            "seq": sequence(account),
            "contact": (rng.random(n) * n_contacts[account]).astype(np.int64),
            "subject": rng.integers(0, len(vocab.TICKET_SUBJECTS), n),
            "priority": priority,
            "status": status,
            "opened_at": opened,
            "first_response_at": np.where(has_response, first_response, -1),
            "closed_at": np.where(is_closed, closed, -1),
            "csat": np.where(rated, csat, -1).astype(np.int64),
        }
    )
